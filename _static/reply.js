// "Copy as reply" (_ext/copy_as_reply.py): puts a section's answer, as Markdown for a forum
// reply, on the clipboard. The Markdown was made when the book was built (data-reply).
"use strict";
(() => {
  const copy = async (text) => {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // A page opened over plain http (not localhost) has no Clipboard API: copy a selection.
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.append(area);
    area.select();
    const done = document.execCommand("copy");
    area.remove();
    if (!done) throw new Error("copy refused");
  };
  const timers = new WeakMap();
  const say = (button, message) => {
    const status = button.nextElementSibling;
    status.textContent = message;
    clearTimeout(timers.get(status));
    timers.set(status, setTimeout(() => { status.textContent = ""; }, 4000));
  };
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button.reply-copy");
    if (!button) return;
    try {
      await copy(button.dataset.reply);
      say(button, "Copied: paste it into your reply.");
    } catch (error) {
      say(button, "Could not copy: your browser did not allow it.");
    }
  });
})();
