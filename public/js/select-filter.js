// Type-to-filter for long selects (issue 13, docs/usage.md "Forms").
// Progressive enhancement: without this script the Filter button posts the
// form and the server sends it back narrowed, with the input kept. With it,
// typing narrows the list at once (options whose text or group label contains
// the typed text, regardless of case; the chosen option always stays) and the
// button is hidden. Enter in the field does not send the form.
(() => {
  for (const input of document.querySelectorAll("input[data-filter-for]")) {
    const select = document.getElementById(input.getAttribute("data-filter-for"));
    if (!select) continue;
    const box = input.closest(".select-filter");
    const button = box?.querySelector("[data-filter-button]");
    if (button) button.hidden = true;
    const status = box?.querySelector("[data-filter-status]");
    // The original list: the leading options without group, then each group with its options.
    const loose = [...select.children].filter((n) => n.tagName === "OPTION");
    const groups = [...select.querySelectorAll("optgroup")].map((group) => ({
      group,
      label: (group.getAttribute("label") || "").toLowerCase(),
      options: [...group.querySelectorAll("option")],
    }));
    const total = groups.reduce((n, g) => n + g.options.length, 0);

    const apply = () => {
      const text = input.value.trim().toLowerCase();
      let shown = 0;
      const parts = [...loose];
      for (const g of groups) {
        const kept = g.options.filter(
          (o) => text === "" || o.selected || g.label.includes(text) || o.text.toLowerCase().includes(text),
        );
        g.group.replaceChildren(...kept);
        shown += kept.length;
        if (kept.length > 0) parts.push(g.group);
      }
      const value = select.value;
      select.replaceChildren(...parts);
      select.value = value;
      if (status) {
        status.textContent =
          shown < total
            ? `Showing ${shown} of ${total}: the options containing this text.`
            : "Shows only the options containing this text.";
      }
    };

    input.addEventListener("input", apply);
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault();
    });
    if (input.value.trim() !== "") apply();
  }
})();
