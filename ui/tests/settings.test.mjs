import { test } from "node:test";
import assert from "node:assert/strict";
import {
  resolutionValue,
  parseResolution,
  resolutionOptions,
  deviceOptions,
  cameraOptions,
  cameraChoice,
  cameraSetting,
  CAMERA_FILE_CHOICE,
} from "../lib/settings.js";

test("resolutions round-trip", () => {
  assert.equal(resolutionValue([1280, 720]), "1280x720");
  assert.deepEqual(parseResolution("1280x720"), [1280, 720]);
  assert.deepEqual(parseResolution(" 640 x 480 "), [640, 480]);
  assert.equal(parseResolution("0x480"), null);
  assert.equal(parseResolution("wide"), null);
  assert.equal(parseResolution(undefined), null);
});

test("resolution and device options keep a non-standard current value", () => {
  assert.deepEqual(resolutionOptions([1280, 720]), ["640x480", "1280x720", "1920x1080"]);
  assert.deepEqual(resolutionOptions([800, 600]), ["640x480", "1280x720", "1920x1080", "800x600"]);
  assert.deepEqual(deviceOptions("cpu"), ["auto", "cpu", "cuda:0"]);
  assert.deepEqual(deviceOptions("cuda:1"), ["auto", "cpu", "cuda:0", "cuda:1"]);
});

test("camera options: automatic, each camera, a disconnected chosen one, video file", () => {
  const options = cameraOptions([{ index: 0, name: "Integrated Camera", description: "" }, { index: 2, name: "", description: "" }], "index:5");
  assert.deepEqual(options.map((o) => o.value), ["auto", "index:0", "index:2", "index:5", CAMERA_FILE_CHOICE]);
  assert.equal(options[1].label, "Integrated Camera (#0)");
  assert.equal(options[2].label, "Camera #2");
  assert.match(options[3].label, /not connected/);
  assert.deepEqual(cameraOptions([], "auto").map((o) => o.value), ["auto", CAMERA_FILE_CHOICE]);
});

test("camera settings to choices and back", () => {
  assert.deepEqual(cameraChoice("auto"), { choice: "auto", file: "" });
  assert.deepEqual(cameraChoice("index:1"), { choice: "index:1", file: "" });
  assert.deepEqual(cameraChoice("file:/home/me/cam.mp4"), { choice: CAMERA_FILE_CHOICE, file: "/home/me/cam.mp4" });
  assert.deepEqual(cameraChoice("index:x"), { choice: "auto", file: "" });
  assert.deepEqual(cameraChoice(undefined), { choice: "auto", file: "" });
  assert.equal(cameraSetting("index:1", "ignored"), "index:1");
  assert.equal(cameraSetting(CAMERA_FILE_CHOICE, " /tmp/a.mp4 "), "file:/tmp/a.mp4");
  assert.equal(cameraSetting(CAMERA_FILE_CHOICE, "file:/tmp/a.mp4"), "file:/tmp/a.mp4");
  assert.equal(cameraSetting("", ""), "auto");
});

import { microphoneOptions, microphoneChoice, microphoneSetting, MICROPHONE_FILE_CHOICE } from "../lib/settings.js";

test("microphone picker: automatic, each input, a recording file; a missing device stays listed", () => {
  const options = microphoneOptions([{ name: "USB Audio", default: true }, { name: "Headset", default: false }], "device:Old Mic");
  assert.deepEqual(
    options.map((o) => o.value),
    ["auto", "device:USB Audio", "device:Headset", "device:Old Mic", MICROPHONE_FILE_CHOICE],
  );
  assert.equal(options[1].label, "USB Audio (default)");
  assert.equal(options[3].label, "Old Mic (not connected)");
  assert.deepEqual(microphoneOptions([], "auto").map((o) => o.value), ["auto", MICROPHONE_FILE_CHOICE]);
});

test("microphone settings round trip through the picker", () => {
  for (const setting of ["auto", "device:USB Audio", "file:/tmp/q.wav"]) {
    const { choice, file } = microphoneChoice(setting);
    assert.equal(microphoneSetting(choice, file), setting);
  }
  assert.deepEqual(microphoneChoice("device:"), { choice: "auto", file: "" });
  assert.equal(microphoneSetting(MICROPHONE_FILE_CHOICE, " file:/a b.wav "), "file:/a b.wav");
});
