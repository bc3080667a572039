// The control bar of a live Space (microphone, camera, Low data mode, recording, requests,
// leaving) and the dialogs it opens or that come to you: the host's invitation to speak, and
// the host's "End the Space?" and "Leave the Space?".
import { useState } from 'react';
import { navigate } from '../../router.js';
import { useSpaceDetails, useSpaceMe, useSpaceMedia, useSpaceStage, useSpaceTier } from '../../state/session/hooks.js';
import { useToast } from '../../state/toasts.js';
import type { LiveSession } from '../../state/useSpaceSession.js';
import { ConfirmDialog } from '../ConfirmDialog.js';
import { ConfirmEndDialog } from '../ConfirmEndDialog.js';
import { ControlBar } from '../ControlBar.js';
import { LeaveIcon } from '../Icons.js';
import { InviteDialog } from '../InviteDialog.js';
import { REQUESTS_ID } from '../RequestQueue.js';
import type { RoleNotices } from './notices.js';

interface Props {
  session: LiveSession;
  spaceId: string;
  notices: RoleNotices;
  /** Requests to speak waiting, for a host or co-host (0 otherwise). */
  requests: number;
}

/** The Requests panel, scrolled to and focused: on a phone it sits below the stage. */
function showRequests(): void {
  const panel = document.getElementById(REQUESTS_ID);
  if (!panel) return;
  panel.scrollIntoView({ block: 'start', behavior: 'smooth' });
  panel.focus({ preventScroll: true });
}

export function LiveControls({ session, spaceId, notices, requests }: Props) {
  const toast = useToast();
  const [confirmEnd, setConfirmEnd] = useState(false);
  const [confirmLeave, setConfirmLeave] = useState(false);
  const { summary } = useSpaceDetails(session);
  const { you, guest, invited } = useSpaceMe(session);
  const stage = useSpaceStage(session);
  const { view: tier, pending } = useSpaceTier(session);
  const { mic, camera } = useSpaceMedia(session.media);
  const { act, media } = session;
  if (!summary) return null;
  const lowData = tier.tier === 'hls';
  const recording = summary.recording;
  const { own } = notices;
  const setMuted = async (muted: boolean) => {
    if (muted) own.muting(true);
    if (!(await act({ action: 'setMicMuted', muted })) && muted) own.muting(false);
  };
  const leave = async () => {
    await session.leave();
    navigate('/');
  };

  return (
    <>
      <ControlBar
        spaceId={spaceId}
        you={you}
        guest={guest}
        mic={mic}
        camera={camera}
        lowData={lowData}
        lowDataPending={pending}
        recording={recording}
        requests={requests}
        onShowRequests={showRequests}
        onToggleLowData={async () => {
          if (await session.setLowData(!lowData)) {
            toast(lowData ? 'Switching back to live audio' : 'Low data mode on: a few seconds behind live');
          }
        }}
        onToggleRecording={async () => {
          const on = !recording;
          if (await act({ action: 'setRecording', on })) {
            toast(on ? 'Recording. Everyone sees REC while it is on.' : 'Recording stopped', 'success');
          }
        }}
        onToggleCamera={() => media.setCamera(camera === 'off')}
        onToggleMute={() => {
          if (!you) return;
          if (you.muted && mic === 'denied') media.retryMic();
          void setMuted(!you.muted);
        }}
        onRetryMic={() => media.retryMic()}
        onRequest={async () => {
          if (await act({ action: 'requestToSpeak' })) toast('Request sent. The hosts will see it.', 'success');
        }}
        onCancelRequest={() => void act({ action: 'cancelRequest' })}
        onMuteAll={async () => {
          if (await act({ action: 'muteAll' })) toast('Everyone on stage is muted', 'success');
        }}
        onLeaveStage={async () => {
          own.leavingStage(true);
          if (!(await act({ action: 'leaveStage' }))) own.leavingStage(false);
        }}
        onEnd={() => setConfirmEnd(true)}
        // The host's leaving hands the Space over (or ends it): asked first, like End.
        onLeave={() => (you?.role === 'host' ? setConfirmLeave(true) : void leave())}
      />
      {invited && you?.role === 'listener' && (
        <InviteDialog
          hostHandle={summary.hostHandle}
          yourHandle={you.handle}
          onAccept={() => act({ action: 'acceptInvite' })}
          onDecline={() => act({ action: 'declineInvite' })}
        />
      )}
      {confirmEnd && (
        <ConfirmEndDialog
          onCancel={() => setConfirmEnd(false)}
          onConfirm={async () => {
            if (!(await act({ action: 'end' }))) setConfirmEnd(false);
          }}
        />
      )}
      {confirmLeave && (
        <ConfirmDialog title="Leave this Space?" confirmLabel="Leave" icon={<LeaveIcon size={26} />} onCancel={() => setConfirmLeave(false)} onConfirm={leave}>
          <p>{handoverText(stage.filter((p) => p.role === 'cohost').map((p) => p.handle))}</p>
        </ConfirmDialog>
      )}
    </>
  );
}

/** What a host's leaving does: the longest-serving co-host takes over, or the Space ends. */
function handoverText(cohosts: string[]): string {
  if (cohosts.length === 0) return "There's no co-host to take over, so the Space ends for everyone. This can't be undone.";
  if (cohosts.length === 1) return `${cohosts[0]} becomes the host and the Space goes on without you. You can't take it back.`;
  return "The co-host who has been co-host longest becomes the host and the Space goes on without you. You can't take it back.";
}
