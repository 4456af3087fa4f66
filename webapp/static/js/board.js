// The board: drag and drop with SortableJS, saved with htmx.
// A drop posts the move (stage, version, neighbours) and swaps the card with the server's;
// column totals come back in the HX-Trigger event "boardTotals". A lost reason or a stage
// gate opens the move dialog; cancelling it, or a refused move, puts the card back.
(() => {
  let pending = null; // the dropped card waiting for the server: {id, url, from, index}
  let keyboardMove = null; // id of the card whose stage selector posted a move

  const boardEl = () => document.getElementById("board");
  const cardsOf = (list) => [...list.querySelectorAll(":scope > .board-card")];

  function alertBoard(message, level = "danger") {
    const area = document.getElementById("board-alerts");
    if (!area) return;
    const alert = document.createElement("div");
    alert.className = `alert alert-${level} alert-dismissible fade show py-2 mb-2`;
    alert.setAttribute("role", "alert");
    alert.textContent = message;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", "Close");
    alert.appendChild(close);
    area.replaceChildren(alert);
  }

  // Put a card back where it was picked up.
  function revert(p) {
    const card = document.getElementById(`card-${p.id}`);
    if (!card || !p.from.isConnected) return;
    const others = cardsOf(p.from).filter((c) => c !== card);
    p.from.insertBefore(card, others[p.index] || p.from.querySelector(":scope > .board-more, :scope > .empty-column"));
  }

  // Put a card (fresh from the server) in its column, in (position, id) order.
  function place(card) {
    const list = document.getElementById(`cards-${card.dataset.stage}`);
    if (!list) { card.remove(); return; }  // closed, or not a column of this board
    const key = (c) => [Number(c.dataset.position), Number(c.dataset.id)];
    const [pos, id] = key(card);
    const next = cardsOf(list).find((c) => {
      if (c === card) return false;
      const [p, i] = key(c);
      return p > pos || (p === pos && i > id);
    });
    list.insertBefore(card, next || list.querySelector(":scope > .board-more, :scope > .empty-column"));
    if (keyboardMove === card.dataset.id) {  // the stage selector keeps the focus
      keyboardMove = null;
      card.querySelector("select")?.focus();
    }
  }

  function send(card, stageId, list) {
    const cards = cardsOf(list);
    const at = cards.indexOf(card);
    const url = card.querySelector("form.card-move").getAttribute("action");
    pending.url = url;
    htmx.ajax("POST", url, {
      source: card,
      target: card,
      swap: "outerHTML",
      values: {
        stage_id: stageId,
        version: card.dataset.version,
        before_id: cards[at + 1]?.dataset.id || "",
        after_id: cards[at - 1]?.dataset.id || "",
        origin_stage_id: pending.from.dataset.stage || "",
        board: "1",
        filters: boardEl()?.dataset.filters || "",
      },
    });
  }

  function onEnd(event) {
    const card = event.item;
    if (event.to === event.from && event.oldIndex === event.newIndex) return;
    pending = { id: card.dataset.id, from: event.from, index: event.oldDraggableIndex };
    send(card, event.to.dataset.stage, event.to);
  }

  function init(root) {
    if (typeof Sortable === "undefined") return;
    const options = {
      group: "board",
      draggable: ".board-card",
      filter: "select, button, input, textarea, .dropdown-menu",
      preventOnFilter: false,
      forceFallback: true,
      fallbackTolerance: 4,
      animation: 120,
      ghostClass: "board-card-ghost",
      onEnd,
    };
    root.querySelectorAll(".board-cards").forEach((list) => {
      if (!list.sortable) list.sortable = Sortable.create(list, options);
    });
    root.querySelectorAll(".board-dropzone").forEach((zone) => {
      if (!zone.sortable) {
        zone.sortable = Sortable.create(zone, { ...options, group: { name: "board", pull: false, put: true } });
      }
    });
  }

  // The board's own requests (stage selector, dialogs) tell the server they come from it.
  document.addEventListener("htmx:configRequest", (event) => {
    const elt = event.detail.elt;
    if (elt.closest && elt.closest("#board") && elt.matches("form.card-move")) {
      event.detail.parameters.board = "1";
      event.detail.parameters.origin_stage_id = elt.closest(".board-card")?.dataset.stage || "";
      keyboardMove = elt.closest(".board-card")?.dataset.id || null;
      event.detail.parameters.filters = boardEl()?.dataset.filters || "";
    }
  });

  document.addEventListener("htmx:load", (event) => {
    const elt = event.detail.elt;
    if (elt.id === "board-page") init(elt);  // the filter bar swapped the board
    if (elt.classList?.contains("board-card") && elt.closest(".board-cards, .board-dropzone")) {
      const list = elt.parentElement;
      if (list.dataset.stage !== elt.dataset.stage || list.classList.contains("board-dropzone")) place(elt);
    }
  });

  // "Create your first deal" (the empty board) opens a column's quick create.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-open-quick]");
    const quick = link && document.getElementById(link.dataset.openQuick);
    if (!quick) return;
    event.preventDefault();
    quick.open = true;
    quick.scrollIntoView({ block: "nearest" });
    quick.querySelector("input[name=name]")?.focus();
  });

  // Picking an account in the filter bar applies it, once app.js has filled the picker.
  document.addEventListener("click", (event) => {
    const option = event.target.closest("#board-filters [data-pick-account]");
    if (option) setTimeout(() => document.getElementById("board-filters")?.requestSubmit());
  }, true);

  // A refused drop (403, 404, a 422 without dialog): back where it was, with the message.
  document.addEventListener("htmx:afterRequest", (event) => {
    if (!pending || event.detail.pathInfo?.requestPath !== pending.url) return;
    const status = event.detail.xhr.status;
    if (status < 400 || status === 409) return;
    if (document.querySelector("#modal-root dialog[open]")) return;  // the move dialog asks
    const p = pending;
    pending = null;
    revert(p);
    if (status !== 422) {  // not swapped by htmx: show the server's message
      const answer = new DOMParser().parseFromString(event.detail.xhr.responseText, "text/html");
      const text = (answer.querySelector(".alert, main") || answer.body).textContent.trim();
      alertBoard(text || `The move was refused (${status}).`);
    }
  });

  // The move dialog closed without the server settling the move: put the card back.
  document.addEventListener("close", (event) => {
    if (!event.target.matches?.("dialog[data-move-dialog]") || !pending) return;
    if (event.target.dataset.moveDialog !== pending.id) return;
    const p = pending;
    pending = null;
    revert(p);
  }, true);

  document.addEventListener("DOMContentLoaded", () => {
    init(document);
    const body = document.body;
    body.addEventListener("boardSettled", (event) => {
      if (pending && String(event.detail.id) === pending.id) pending = null;
    });
    body.addEventListener("boardTotals", (event) => {
      for (const [stageId, totals] of Object.entries(event.detail)) {
        const column = document.getElementById(`column-${stageId}`);
        if (!column) continue;
        for (const key of ["count", "total", "weighted"]) {
          const el = column.querySelector(`[data-${key}]`);
          if (el && totals[key] !== undefined) el.textContent = totals[key];
        }
      }
    });
    body.addEventListener("boardAlert", (event) => alertBoard(event.detail.message, event.detail.level));
  });
})();
