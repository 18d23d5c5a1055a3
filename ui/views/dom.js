// Small DOM helpers shared by the views.

export const byId = (id) => document.getElementById(id);

/** A new `tag` element with an optional class and text. */
export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** `render` wrapped so that any number of calls within one frame draw once, at the next frame. */
export function renderOnNextFrame(render) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      render();
    });
  };
}
