import type { Project } from '../../../app/models';
import { useAppStore } from '../../store/context';
import { Modal } from '../../ui/modal';
import { CreateProjectForm, OpenProjectForm } from './project-forms';

/** The Create/Open dialog the palette opens: autofocused path, Enter submits, Esc cancels. */
export function ProjectDialogHost() {
  const dialog = useAppStore((s) => s.dialog);
  const closeDialog = useAppStore((s) => s.closeDialog);
  const notify = useAppStore((s) => s.notify);
  if (!dialog) return null;
  const done = (project: Project) => {
    closeDialog();
    notify('info', `Opened ${project.name} (${project.path})`, 'project');
  };
  const title = dialog.kind === 'create' ? 'Create Project' : 'Open Project';
  return (
    <Modal label={title} onClose={closeDialog} className="project-dialog">
      <h2 className="dialog-title">{title}</h2>
      {dialog.kind === 'create' ? (
        <CreateProjectForm autoFocus onDone={done} onCancel={closeDialog} />
      ) : (
        <OpenProjectForm autoFocus onDone={done} onCancel={closeDialog} />
      )}
    </Modal>
  );
}
