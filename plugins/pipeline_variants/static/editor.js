// Pipeline editor: drag open stages to reorder them (SortableJS); the new order is posted
// with htmx and the server answers with the re-rendered stage list.
(function () {
  function init(root) {
    const lists = root.matches && root.matches("[data-sortable-stages]")
      ? [root] : root.querySelectorAll("[data-sortable-stages]");
    lists.forEach((list) => {
      if (list.dataset.sortableReady) return;
      list.dataset.sortableReady = "1";
      Sortable.create(list, {
        handle: ".drag-handle",
        draggable: ".stage-item",
        animation: 150,
        onEnd(event) {
          if (event.oldIndex === event.newIndex) return;
          const section = list.closest("#stages");
          const order = [...list.querySelectorAll(".stage-item")].map((li) => li.dataset.stageId);
          htmx.ajax("POST", section.dataset.orderUrl, {
            source: section, target: "#stages", swap: "outerHTML", values: { order: order.join(",") },
          });
        },
      });
    });
  }
  document.addEventListener("htmx:load", (event) => init(event.detail.elt));
})();
