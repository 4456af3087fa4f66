// The board: drag and drop with SortableJS, saved with htmx.
// A drop posts the move (stage, version, neighbours) and swaps the card with the server's;
// column totals come back in the HX-Trigger event "boardTotals". A lost reason or a stage
// gate opens the move dialog; cancelling it, or a refused move, puts the card back.
// The card's menu (fetched when it opens), the board's one stage selector ("the mover",
// brought into the card that has the keyboard focus) and the arrow keys on a card's title
// (toward the neighbouring column on screen: mirrored right to left) post the same move.
// Its words come translated from the page: #board's data-text-* attributes.
(() => {
  let pending = null; // the moved card waiting for the server: {id, url, from, index}
  let keyboardMove = null; // id of the card whose mover posted a move
  let mover = null; // the board's stage selector (kept while a card swap detaches it)

  const boardEl = () => document.getElementById("board");
  const moveUrl = (card) => card.querySelector(".board-card-menu").getAttribute("href");
  const cardsOf = (list) => [...list.querySelectorAll(":scope > .board-card")];
  // A translated text of the page, its %(name)s placeholders filled from ``values``.
  const text = (key, values = {}) =>
    (boardEl()?.dataset[key] || "").replace(/%\((\w+)\)s/g, (_, name) => values[name] ?? "");

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
    close.setAttribute("aria-label", text("textClose"));
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
  }

  // Post a move of ``card`` to ``stageId``; ``list`` is where a drop put it (its neighbours
  // give its place), none for the menu and the mover (the server puts it on top).
  function send(card, stageId, list) {
    const cards = list ? cardsOf(list) : [];
    const at = cards.indexOf(card);
    const url = moveUrl(card);
    pending.url = url;
    htmx.ajax("POST", url, {
      source: card,
      target: card,
      swap: "outerHTML",
      values: {
        stage_id: stageId,
        version: card.dataset.version,
        before_id: list ? cards[at + 1]?.dataset.id || "" : "",
        after_id: list ? cards[at - 1]?.dataset.id || "" : "",
        origin_stage_id: pending.from.dataset.stage || "",
        board: "1",
        filters: boardEl()?.dataset.filters || "",
      },
    });
  }

  function moveFromCard(card, stageId) {
    if (mover && card.contains(mover)) detachMover();
    const list = card.parentElement;
    pending = { id: card.dataset.id, from: list, index: cardsOf(list).indexOf(card) };
    send(card, stageId, null);
  }

  // The mover: into the focused card, named after it, on the card's stage and version.
  function attachMover(card) {
    mover = document.getElementById("board-mover") || mover;
    if (!mover || card.contains(mover)) return;
    const name = card.querySelector(".board-card-title").textContent;
    mover.querySelector("label").textContent = text("textStageOf", { name });
    mover.querySelector("select").value = card.dataset.stage;
    mover.elements.version.value = card.dataset.version;
    mover.hidden = false;
    card.querySelector(".card-body").appendChild(mover);
  }

  function detachMover() {
    mover.hidden = true;
    boardEl()?.after(mover);
  }

  function onEnd(event) {
    const card = event.item;
    if (event.to === event.from && event.oldIndex === event.newIndex) return;
    pending = { id: card.dataset.id, from: event.from, index: event.oldDraggableIndex };
    send(card, event.to.dataset.stage, event.to);
  }

  // Read-only users' boards (data-read-only) have nothing to drag or move.
  const readOnly = () => !!document.querySelector("#board[data-read-only]");

  function init(root) {
    if (typeof Sortable === "undefined" || readOnly()) return;
    const options = {
      group: "board",
      draggable: ".board-card",
      filter: "select, button, input, textarea, .dropdown-menu, .board-card-menu",
      preventOnFilter: false,
      forceFallback: true,
      fallbackTolerance: 4,
      delay: 250, // a touch drags after a long press; a swipe scrolls the stages
      delayOnTouchOnly: true,
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

  // A keyboard focus on a card brings the mover there; its Move posts the move.
  document.addEventListener("focusin", (event) => {
    const card = event.target.closest?.("#board .board-card");
    if (card && !readOnly() && event.target.matches(":focus-visible") && !event.target.closest("#board-mover")) attachMover(card);
  });
  document.addEventListener("submit", (event) => {
    if (event.target.id !== "board-mover") return;
    event.preventDefault();
    const card = event.target.closest(".board-card");
    if (!card) return;
    keyboardMove = { id: card.dataset.id, focus: "select" };
    moveFromCard(card, event.target.elements.stage_id.value);
  });

  // Arrow keys on a card's title: to the column on that side of the screen (the next stage is
  // on the right, or on the left when the page reads right to left).
  document.addEventListener("keydown", (event) => {
    if (!["ArrowLeft", "ArrowRight"].includes(event.key) || event.altKey || event.ctrlKey || event.metaKey) return;
    const title = event.target.closest?.("#board .board-card-title");
    if (!title) return;
    const card = title.closest(".board-card");
    const stages = [...boardEl().querySelectorAll(".board-column")].map((c) => c.dataset.stage);
    const rtl = getComputedStyle(boardEl()).direction === "rtl";
    const step = (event.key === "ArrowRight") !== rtl ? 1 : -1;
    const target = stages[stages.indexOf(card.dataset.stage) + step];
    if (!target) return;
    event.preventDefault();
    keyboardMove = { id: card.dataset.id, focus: ".board-card-title" };
    moveFromCard(card, target);
  });

  // The card's menu: a link to the move page, made a dropdown whose items (the stages, the
  // plugins' actions) are fetched each time it opens.
  document.addEventListener("click", (event) => {
    const toggle = event.target.closest("#board .board-card-menu");
    if (toggle && !toggle.dataset.bsToggle && typeof bootstrap !== "undefined") {
      event.preventDefault();
      const menu = document.createElement("ul");
      menu.className = "dropdown-menu dropdown-menu-end";
      toggle.after(menu);
      toggle.dataset.bsToggle = "dropdown";
      toggle.setAttribute("aria-expanded", "false");
      // Fixed: the menu is not clipped by the column nor scrolls the board when an item takes
      // the focus (a scroll would re-place the menu under the pointer between press and release).
      const popperConfig = (config) => ({ ...config, strategy: "fixed" });
      bootstrap.Dropdown.getOrCreateInstance(toggle, { popperConfig }).show();
    }
    const item = event.target.closest("#board .board-card [data-move-to]");
    if (item) moveFromCard(item.closest(".board-card"), item.dataset.moveTo);
  });
  document.addEventListener("show.bs.dropdown", (event) => {
    const toggle = event.target;
    if (!toggle.matches?.(".board-card-menu")) return;
    const id = toggle.closest(".board-card").dataset.id;
    const url = boardEl().dataset.cardActions.replace("/0/", `/${id}/`);
    const menu = toggle.nextElementSibling;
    const loading = document.createElement("li");
    loading.innerHTML = '<span class="dropdown-item-text small text-body-secondary"></span>';
    loading.firstChild.textContent = text("textLoading");
    menu.replaceChildren(loading);
    // Placed again once its items are in: it may then have to open upwards.
    htmx.ajax("GET", url, { source: toggle, target: menu, swap: "innerHTML" })
      .then(() => bootstrap.Dropdown.getInstance(toggle)?.update());
  });

  // On a phone the stage tabs follow the swipe.
  document.addEventListener("scroll", (event) => {
    const board = event.target;
    if (board.id !== "board") return;
    // Right to left, scrollLeft runs from 0 down to negative values.
    const at = Math.round(Math.abs(board.scrollLeft) / Math.max(1, board.clientWidth));
    document.querySelectorAll(".board-tab").forEach((tab, i) => {
      if (i === at) tab.setAttribute("aria-current", "true");
      else tab.removeAttribute("aria-current");
    });
  }, true);

  document.addEventListener("htmx:load", (event) => {
    const elt = event.detail.elt;
    if (elt.id === "board-page") init(elt);  // the filter bar swapped the board
    if (elt.classList?.contains("board-card") && elt.closest(".board-cards, .board-dropzone")) {
      const list = elt.parentElement;
      if (list.dataset.stage !== elt.dataset.stage || list.classList.contains("board-dropzone")) place(elt);
      if (keyboardMove?.id === elt.dataset.id) {  // the keyboard keeps the focus
        const focus = keyboardMove.focus;
        keyboardMove = null;
        if (focus === "select") {
          attachMover(elt);
          mover?.querySelector("select").focus();
        } else elt.querySelector(focus)?.focus();
      }
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
      const message = (answer.querySelector(".alert, main") || answer.body).textContent.trim();
      alertBoard(message || text("textRefused", { status }));
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
