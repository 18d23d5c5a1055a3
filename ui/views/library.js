// The Library panel: the packs opened so far, and opening a folder as a new pack.

import { invokeCommand, createChannel } from "../backend.js";
import { ENCODE_IDLE, applyEncodeEvent, encodeFraction, encodeText } from "../lib/encode.js";
import { byId, element } from "./dom.js";
import { plural, t } from "../lib/strings.js";

/**
 * `selectPack(id)` makes a pack active and shows it in Assist; `refreshState()` reloads the app
 * state (and with it this list).
 */
export function createLibraryView({ selectPack, refreshState }) {
  const list = byId("pack-list");
  const emptyNote = byId("pack-list-empty");
  const pathInput = byId("open-path");
  const openButton = byId("open-pack");
  const applianceRow = byId("appliance-row");
  const applianceChoice = byId("appliance-choice");
  const applianceConfirm = byId("appliance-confirm");
  const progressBox = byId("encode-progress");
  const progressBar = byId("encode-bar");
  const progressText = byId("encode-text");
  const warnings = byId("encode-warnings");
  const cancelButton = byId("cancel-open");
  const newVideo = byId("new-video");
  const newPhoto = byId("new-photo");
  const newScript = byId("new-script");
  const newOut = byId("new-out");
  const makeButton = byId("make-pack");
  const newStatus = byId("new-pack-status");
  const takePhotoButton = byId("take-photo");
  const takePhotoStatus = byId("take-photo-status");

  let opening = false;

  function renderPack(pack, activeId) {
    const item = element("li", "pack");
    item.dataset.id = pack.id;
    item.classList.toggle("active", pack.id === activeId);
    const info = element("div", "pack-info");
    const title = element("div", "pack-name", pack.name);
    if (pack.id === activeId) title.append(element("span", "pack-tag", t("library.pack.active")));
    const meta = [pack.appliance, plural("library.pack.questions", pack.questions)];
    if (!pack.encoded) meta.push(t("library.pack.notEncoded"));
    info.append(title, element("div", "pack-meta", meta.join(" \u00b7 ")), element("div", "pack-meta", pack.folder));
    const actions = element("div", "pack-actions");
    const open = element("button", "pack-open primary", t("library.pack.open"));
    open.type = "button";
    open.dataset.action = "open";
    const remove = element("button", "pack-remove danger", t("library.pack.remove"));
    remove.type = "button";
    remove.dataset.action = "remove";
    remove.title = t("library.pack.removeTitle");
    actions.append(open, remove);
    item.append(info, actions);
    return item;
  }

  function setOpening(value) {
    opening = value;
    openButton.disabled = value || pathInput.value.trim() === "";
    applianceConfirm.disabled = value;
    pathInput.disabled = value;
  }

  function renderProgress(progress) {
    const fraction = encodeFraction(progress);
    if (fraction === null) progressBar.removeAttribute("value");
    else progressBar.value = fraction;
    progressText.textContent = encodeText(progress);
    warnings.replaceChildren(...progress.warnings.map((w) => element("li", null, w)));
  }

  async function open(path, appliance) {
    applianceRow.hidden = true;
    setOpening(true);
    let progress = ENCODE_IDLE;
    renderProgress(progress);
    progressBox.hidden = false;
    cancelButton.disabled = false;
    const onProgress = createChannel((event) => {
      progress = applyEncodeEvent(progress, event);
      renderProgress(progress);
    });
    const result = await invokeCommand("open_pack", { path, appliance, onProgress });
    setOpening(false);
    progressBox.hidden = true;
    if (!result.ok) return;
    pathInput.value = "";
    openButton.disabled = true;
    await refreshState();
    await selectPack(result.value.id);
  }

  async function inspectAndOpen() {
    const path = pathInput.value.trim();
    if (!path || opening) return;
    applianceRow.hidden = true;
    const inspected = await invokeCommand("inspect_pack", { path });
    if (!inspected.ok) return;
    const { kind, appliances } = inspected.value;
    if (kind === "root" && appliances.length > 1) {
      applianceChoice.replaceChildren(...appliances.map((name) => Object.assign(document.createElement("option"), { value: name, textContent: name })));
      applianceRow.hidden = false;
      applianceChoice.focus();
      return;
    }
    await open(path, kind === "root" ? (appliances[0] ?? null) : null);
  }

  // Removing forgets the pack and its cache only; the folder stays, so no confirmation is asked.
  async function remove(id, button) {
    button.disabled = true;
    const result = await invokeCommand("remove_pack", { id });
    button.disabled = false;
    if (result.ok) await refreshState();
  }

  const NEW_PACK_STAGES = {
    transcribing: (e) => t("library.newPack.transcribing", { percent: Math.round(100 * (e.done ?? 0)) }),
    reading: () => t("library.newPack.reading"),
    registering: (e) => t("library.newPack.registering", { percent: e.total > 0 ? Math.round((100 * e.done) / e.total) : 0 }),
    writing: () => t("library.newPack.writing"),
  };

  function canMake() {
    return !opening && [newVideo, newPhoto, newOut].every((input) => input.value.trim() !== "");
  }

  /** Makes a pack from the video and photo (docs/new-pack.md), then opens it. */
  async function makePack() {
    if (!canMake()) return;
    makeButton.disabled = true;
    const onProgress = createChannel((event) => {
      newStatus.textContent = NEW_PACK_STAGES[event.stage]?.(event) ?? "";
    });
    const script = newScript.value.trim();
    const made = await invokeCommand("new_pack", {
      video: newVideo.value.trim(),
      photo: newPhoto.value.trim(),
      out: newOut.value.trim(),
      script: script === "" ? null : script,
      onProgress,
    });
    makeButton.disabled = !canMake();
    if (!made.ok) {
      newStatus.textContent = "";
      return;
    }
    const report = made.value;
    const named = report.buttons.filter((b) => b.label !== null).length;
    newStatus.textContent = t("library.newPack.made", {
      folder: report.folder,
      lines: report.script_lines,
      source: report.script_source,
      controls: report.buttons.length,
      named,
    });
    await open(report.folder, report.appliance);
  }

  for (const input of [newVideo, newPhoto, newOut, newScript]) {
    input.addEventListener("input", () => {
      makeButton.disabled = !canMake();
    });
  }
  makeButton.addEventListener("click", makePack);

  /** "Take photo": the camera's next frame, used as the pack's photo when it is sharp. */
  async function takePhoto() {
    takePhotoButton.disabled = true;
    takePhotoStatus.textContent = t("library.newPack.takingPhoto");
    // With the tutorial video chosen, the photo is also looked for in it (an angle, a mismatch).
    const video = newVideo.value.trim();
    const taken = await invokeCommand("take_photo", { video: video === "" ? null : video });
    takePhotoButton.disabled = false;
    if (!taken.ok) {
      takePhotoStatus.textContent = "";
      return;
    }
    const photo = taken.value;
    const sharpness = Math.round(photo.sharpness);
    takePhotoStatus.dataset.sharp = String(photo.sharp);
    if (!photo.sharp) {
      takePhotoStatus.textContent = t("library.newPack.photoBlurred", { hint: photo.hint, sharpness, minimum: Math.round(photo.sharpness_min) });
      return;
    }
    newPhoto.value = photo.path;
    takePhotoStatus.textContent = t("library.newPack.photoTaken", { width: photo.width, height: photo.height, sharpness, path: photo.path });
    if (photo.hint) takePhotoStatus.textContent += ` ${t("library.newPack.photoHint", { hint: photo.hint })}`;
    makeButton.disabled = !canMake();
  }
  takePhotoButton.addEventListener("click", takePhoto);

  pathInput.addEventListener("input", () => {
    openButton.disabled = opening || pathInput.value.trim() === "";
    applianceRow.hidden = true;
  });
  pathInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter") inspectAndOpen();
  });
  openButton.addEventListener("click", inspectAndOpen);
  applianceConfirm.addEventListener("click", () => {
    if (!opening) open(pathInput.value.trim(), applianceChoice.value);
  });
  cancelButton.addEventListener("click", async () => {
    cancelButton.disabled = true;
    progressText.textContent = t("common.cancelling");
    await invokeCommand("cancel_open");
  });
  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    const item = event.target.closest("li.pack");
    if (!button || !item) return;
    if (button.dataset.action === "open") selectPack(item.dataset.id);
    else remove(item.dataset.id, button);
  });

  return {
    /** Opens a pack folder (with its progress here), then shows it in Assist. */
    openFolder: open,

    /** Lists `packs` (PackSummary) with `activeId` highlighted. */
    showPacks(packs, activeId) {
      list.replaceChildren(...packs.map((pack) => renderPack(pack, activeId)));
      emptyNote.hidden = packs.length > 0;
    },
  };
}
