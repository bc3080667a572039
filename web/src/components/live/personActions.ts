// What the Space page does when a host or co-host picks an item of a person's menu, wherever
// the menu is (the stage, the listeners): send the action, and say it was done.
import type { PersonView } from '../../../../src/protocol/messages.js';
import type { PersonAction } from '../../lib/menus.js';
import type { SpaceSessionController } from '../../state/session/controller.js';
import { useToast } from '../../state/toasts.js';

const DONE: Record<PersonAction, (handle: string) => string> = {
  mute: (h) => `${h} is muted`,
  moveToAudience: (h) => `${h} moved to the audience`,
  makeCohost: (h) => `${h} is now a co-host`,
  removeCohost: (h) => `${h} is no longer a co-host`,
  remove: (h) => `${h} was removed`,
};

export function usePersonAction(session: SpaceSessionController): (action: PersonAction, p: PersonView) => Promise<void> {
  const toast = useToast();
  return async (action, p) => {
    if (await session.act({ action, userId: p.userId })) toast(DONE[action](p.handle), 'success');
  };
}
