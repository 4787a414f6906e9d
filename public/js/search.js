// Suggestions under the navigation bar's search box (docs/usage.md). Progressive
// enhancement: without this script the box submits to /search as a plain form.
// Keyboard: Up/Down move through suggestions, Enter opens one, Escape closes.
(() => {
  const input = document.querySelector("input[data-suggest]");
  if (!input) return;
  const list = document.getElementById(input.getAttribute("aria-controls"));
  const endpoint = input.getAttribute("data-suggest");
  let items = [];
  let active = -1;
  let timer;
  let controller;

  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    items = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  };

  const highlight = (index) => {
    active = index;
    items.forEach((li, i) => {
      li.setAttribute("aria-selected", String(i === index));
    });
    if (index >= 0) input.setAttribute("aria-activedescendant", items[index].id);
    else input.removeAttribute("aria-activedescendant");
  };

  const show = (suggestions) => {
    list.replaceChildren();
    items = suggestions.map((s, i) => {
      const li = document.createElement("li");
      li.id = `suggestion-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.url = s.url;
      const kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = s.type === "project" ? "Project" : "Entity";
      li.append(kind, document.createTextNode(s.name));
      li.addEventListener("mousedown", (event) => {
        event.preventDefault();
        window.location.assign(s.url);
      });
      list.append(li);
      return li;
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", String(items.length > 0));
    active = -1;
  };

  const fetchSuggestions = async () => {
    const q = input.value.trim();
    if (q.length === 0) return close();
    controller?.abort();
    controller = new AbortController();
    try {
      const res = await fetch(`${endpoint}?q=${encodeURIComponent(q)}`, {
        signal: controller.signal,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!res.ok) return close();
      show(await res.json());
    } catch (error) {
      if (error.name !== "AbortError") close();
    }
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, 150);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && items.length) {
      event.preventDefault();
      highlight((active + 1) % items.length);
    } else if (event.key === "ArrowUp" && items.length) {
      event.preventDefault();
      highlight(active <= 0 ? items.length - 1 : active - 1);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      window.location.assign(items[active].dataset.url);
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
})();
