import type { AreaMeta } from '../../app/areas';
import { AreaIcon } from '../../ui/icons';

/** What an area not built yet shows: what it will be and which milestone brings it. */
export function PlaceholderArea({ area }: { area: AreaMeta }) {
  return (
    <section className="placeholder-area" aria-labelledby={`placeholder-${area.id}`}>
      <div className="placeholder-icon">
        <AreaIcon area={area.id} size={48} />
      </div>
      <h2 id={`placeholder-${area.id}`}>{area.title}</h2>
      <p className="placeholder-summary">{area.summary}.</p>
      <p className="placeholder-note" data-testid="placeholder-note">
        {area.title} arrive{area.title.endsWith('s') ? '' : 's'} with {area.arrivesWith} — not built yet.
      </p>
    </section>
  );
}
