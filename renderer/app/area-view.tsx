import { EnvsArea } from '../features/envs/envs-area';
import { ExperimentsArea } from '../features/experiments/experiments-area';
import { JobsArea } from '../features/jobs/jobs-area';
import { ModelsArea } from '../features/models/models-area';
import { NotebooksArea } from '../features/notebooks/notebooks-area';
import { ProjectsArea } from '../features/projects/projects-area';
import { PlaceholderArea } from '../features/placeholder/placeholder-area';
import { PromptsArea } from '../features/prompts/prompts-area';
import { SandboxArea } from '../features/sandbox/sandbox-area';
import { TerminalArea } from '../features/terminal/terminal-area';
import { areas, type AreaId } from './areas';

/** The content of one area; areas not built yet show their placeholder. */
export function AreaView({ area }: { area: AreaId }) {
  switch (area) {
    case 'projects':
      return <ProjectsArea />;
    case 'terminal':
      return <TerminalArea />;
    case 'environments':
      return <EnvsArea />;
    case 'notebooks':
      return <NotebooksArea />;
    case 'jobs':
      return <JobsArea />;
    case 'experiments':
      return <ExperimentsArea />;
    case 'prompts':
      return <PromptsArea />;
    case 'models':
      return <ModelsArea />;
    case 'sandbox':
      return <SandboxArea />;
    default:
      return <PlaceholderArea area={areas[area]} />;
  }
}
