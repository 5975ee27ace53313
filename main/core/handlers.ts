import type { Handlers } from './dispatch';
import type { Services } from './services';

/** Binds every contract call to its service; the compiler refuses a missing call. */
export function createHandlers(services: Services): Handlers {
  const { app, user, projects, terminals, system } = services;
  return {
    'app.info': () => app.info(),
    'app.pickFolder': (input) => app.pickFolder(input?.title),
    'settings.get': () => user.getSettings(),
    'settings.update': (patch) => user.updateSettings(patch),
    'project.current': () => projects.current(),
    'project.create': (input) => projects.create(input),
    'project.open': (input) => projects.open(input.path),
    'project.close': () => projects.close(),
    'project.recent': () => projects.recent(),
    'project.info': (input) => projects.info(input?.path),
    'terminal.create': (input) => terminals.create(input ?? {}),
    'terminal.list': () => terminals.list(),
    'terminal.write': (input) => terminals.write(input.id, input.data),
    'terminal.resize': (input) => terminals.resize(input.id, input.cols, input.rows),
    'terminal.ack': (input) => terminals.ack(input.id, input.chars),
    'terminal.kill': (input) => terminals.kill(input.id),
    'terminal.replay': (input) => terminals.replay(input.id),
    'system.info': () => system.info(),
  };
}
