/** The Environments area. */
export function EnvsArea() {
  return <section className="envs-area" aria-label="Environments" />;
}
