import type { AreaId } from '../app/areas';

/** Stroke paths (24×24 grid) of each area's icon; drawn in currentColor so themes apply. */
const paths: Readonly<Record<AreaId, string>> = {
  projects: 'M3 6.5A1.5 1.5 0 0 1 4.5 5H9l2 2h8.5A1.5 1.5 0 0 1 21 8.5v9a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 17.5z',
  notebooks: 'M6 3h11a1 1 0 0 1 1 1v16a1 1 0 0 1-1 1H6zM6 3v18M9 7h6M9 11h6M3 7h3M3 12h3M3 17h3',
  environments: 'M12 3l8 4.5v9L12 21l-8-4.5v-9zM12 12l8-4.5M12 12v9M12 12L4 7.5',
  terminal: 'M3 5h18v14H3zM7 9l3 3-3 3M12 15h5',
  jobs: 'M4 6h16M4 12h10M4 18h6M17 14l4 4-4 4',
  experiments: 'M4 20V4M4 20h16M7 15l4-5 3 3 5-7',
  prompts: 'M4 5h16v11H9l-5 4zM8 9h8M8 12h5',
  models: 'M5 7a2 2 0 1 0 0 .01M19 7a2 2 0 1 0 0 .01M12 17a2 2 0 1 0 0 .01M6.5 8.5l4.5 7M17.5 8.5l-4.5 7M7 7h10',
  sandbox: 'M12 3l7 3v5c0 4.5-3 8-7 10-4-2-7-5.5-7-10V6zM9 12l2 2 4-4',
};

/** The icon of an area, decorative (the button around it carries the label). */
export function AreaIcon({ area, size = 22 }: { area: AreaId; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.6} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d={paths[area]} />
    </svg>
  );
}

/** A small × for close buttons. */
export function CloseIcon({ size = 14 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth={1.6} strokeLinecap="round" aria-hidden="true" focusable="false">
      <path d="M4 4l8 8M12 4l-8 8" />
    </svg>
  );
}
