// What the Space page does when a host or co-host picks an item of a person's menu, wherever
// the menu is (the stage, the listeners): send the action, and say it was done. Removing is a
// ban for the Space's life, so it asks first (Cancel has the focus).
import { useState, type ReactNode } from 'react';
import type { PersonView } from '../../../../src/protocol/messages.js';
import type { PersonAction } from '../../lib/menus.js';
import type { SpaceSessionController } from '../../state/session/controller.js';
import { useToast } from '../../state/toasts.js';
import { ConfirmDialog } from '../ConfirmDialog.js';

const DONE: Record<PersonAction, (handle: string) => string> = {
  mute: (h) => `${h} is muted`,
  moveToAudience: (h) => `${h} moved to the audience`,
  makeCohost: (h) => `${h} is now a co-host`,
  removeCohost: (h) => `${h} is no longer a co-host`,
  remove: (h) => `${h} was removed`,
};

export type OnPersonAction = (action: PersonAction, p: PersonView) => Promise<void>;

/** The handler for a person's menu, and the confirmation it may open (render it). */
export function usePersonAction(session: SpaceSessionController): [OnPersonAction, ReactNode] {
  const toast = useToast();
  const [removing, setRemoving] = useState<PersonView | null>(null);
  const run = async (action: PersonAction, p: PersonView): Promise<boolean> => {
    const ok = await session.act({ action, userId: p.userId });
    if (ok) toast(DONE[action](p.handle), 'success');
    return ok;
  };
  const onAction: OnPersonAction = async (action, p) => {
    if (action === 'remove') setRemoving(p);
    else await run(action, p);
  };
  const dialog = removing && (
    <ConfirmRemove
      handle={removing.handle}
      onCancel={() => setRemoving(null)}
      onConfirm={async () => {
        await run('remove', removing);
        setRemoving(null);
      }}
    />
  );
  return [onAction, dialog];
}

/** Removing (or blocking from a comment) someone: they leave at once and cannot come back. */
export function ConfirmRemove({
  handle,
  verb = 'Remove',
  onConfirm,
  onCancel,
}: {
  handle: string;
  verb?: 'Remove' | 'Block';
  onConfirm(): Promise<unknown>;
  onCancel(): void;
}) {
  return (
    <ConfirmDialog title={`${verb} ${handle} from this Space?`} confirmLabel={verb} onConfirm={onConfirm} onCancel={onCancel}>
      <p>They leave at once and can&apos;t rejoin this Space. This can&apos;t be undone.</p>
    </ConfirmDialog>
  );
}
