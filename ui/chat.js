() => {
  // The chat's scrolling, run once on page load (`launch(js=...)` in ui/app.py; Gradio calls
  // this function, so nothing may stand before it).
  //
  // Gradio's Chatbot scrolls to the bottom of the last message, which for a cited answer shows its last
  // sources and hides the answer itself; its autoscroll is switched off and this takes its place:
  //  - a new question and its answer: the chat scrolls so the question sits at the top, the answer's start
  //    right under it (the answer's own start when the question is too tall to show both), whatever the
  //    reader had scrolled to before;
  //  - a [n] marker: the chat alone scrolls to source n and marks it (no page scroll, no #fragment in the URL).
  const MARGIN = 8; // px kept above what is scrolled to
  const log = () => document.querySelector("#nr-chat [role=log]");
  const botRows = (root) => root.querySelectorAll(".message-row.bot-row");

  // Scroll the chat alone so `el` starts `offset` px below the chat's top edge.
  function reveal(el, offset) {
    const box = log();
    if (box && el) box.scrollTop += el.getBoundingClientRect().top - box.getBoundingClientRect().top - offset;
  }

  // The latest exchange: the question's row and the answer's row.
  function showLatest(root) {
    const rows = botRows(root);
    const answer = rows[rows.length - 1];
    if (!answer) return;
    let question = answer.previousElementSibling;
    while (question && !question.classList.contains("user-row")) question = question.previousElementSibling;
    const room = log().clientHeight / 3; // the question may take up to a third of the chat
    const above = question ? answer.getBoundingClientRect().top - question.getBoundingClientRect().top : 0;
    reveal(answer, MARGIN + (above <= room ? above : 0));
    // A reader scrolled away from the chat (a phone showing the library) is brought back to the answer.
    const top = answer.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight - 40) window.scrollBy(0, top - Math.min(80, window.innerHeight / 4));
  }

  let seen = { rows: -1, final: 0 };
  function onChange() {
    const root = log();
    if (!root) return;
    const rows = botRows(root).length;
    const final = root.querySelectorAll(".nr-answer:not(.nr-streaming)").length;
    if (seen.rows >= 0 && (rows > seen.rows || final > seen.final)) showLatest(root);
    seen = { rows, final };
  }

  function watch() {
    const root = log();
    if (!root) return setTimeout(watch, 200);
    seen = { rows: botRows(root).length, final: root.querySelectorAll(".nr-answer:not(.nr-streaming)").length };
    new MutationObserver(() => requestAnimationFrame(onChange)).observe(root, { childList: true, subtree: true });
  }
  watch();

  document.addEventListener("click", (event) => {
    const marker = event.target.closest && event.target.closest("#nr-chat a.nr-marker");
    if (!marker) return;
    event.preventDefault();
    const source = document.getElementById(marker.getAttribute("href").slice(1));
    if (!source) return;
    document.querySelectorAll("#nr-chat .nr-picked").forEach((el) => el.classList.remove("nr-picked"));
    source.classList.add("nr-picked");
    reveal(source, MARGIN);
  }, true);
}
