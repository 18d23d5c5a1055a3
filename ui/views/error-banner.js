// The error banner under the top bar: the latest {code, message} until the user closes it.

const banner = document.getElementById("error");
const codeElement = document.getElementById("error-code");
const messageElement = document.getElementById("error-message");

/** Shows `error` ({code, message}), replacing any error shown before. */
export function showError({ code, message }) {
  banner.dataset.code = code;
  codeElement.textContent = code;
  messageElement.textContent = message;
  banner.hidden = false;
}

export function clearError() {
  banner.hidden = true;
  banner.dataset.code = "";
  codeElement.textContent = "";
  messageElement.textContent = "";
}

document.getElementById("error-close").addEventListener("click", clearError);
