/** The Notebooks area. */
export function NotebooksArea() {
  return <section className="notebooks-area" aria-label="Notebooks" />;
}
