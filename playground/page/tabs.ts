/**
 * The panels as tabs, after the WAI-ARIA tabs pattern: the tab list is one stop for Tab, the
 * arrow keys (and Home, End) move between tabs, and the chosen tab's panel follows.
 */
export function setUpTabs(root: HTMLElement, chosen: (tab: HTMLButtonElement) => void = () => {}): void {
  const tabs = [...root.querySelectorAll<HTMLButtonElement>("[role=tab]")];
  const select = (tab: HTMLButtonElement, focus: boolean) => {
    for (const t of tabs) {
      const chosen = t === tab;
      t.setAttribute("aria-selected", String(chosen));
      t.tabIndex = chosen ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")!)!.hidden = !chosen;
    }
    if (focus) tab.focus();
    chosen(tab);
  };
  for (const [i, tab] of tabs.entries()) {
    tab.addEventListener("click", () => select(tab, false));
    tab.addEventListener("keydown", (event) => {
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (to === undefined) return;
      event.preventDefault();
      select(tabs[(to + tabs.length) % tabs.length]!, true);
    });
  }
  select(tabs[0]!, false);
}
