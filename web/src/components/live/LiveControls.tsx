// The control bar of a live Space (microphone, camera, Low data mode, recording, requests,
// leaving) and the dialogs it opens or that come to you: the host's invitation to speak, and
// the host's "End the Space?".
import { useState } from 'react';
import { navigate } from '../../router.js';
import { useSpaceDetails, useSpaceMe, useSpaceMedia, useSpaceTier } from '../../state/session/hooks.js';
import { useToast } from '../../state/toasts.js';
import type { LiveSession } from '../../state/useSpaceSession.js';
import { ConfirmEndDialog } from '../ConfirmEndDialog.js';
import { ControlBar } from '../ControlBar.js';
import { InviteDialog } from '../InviteDialog.js';

export function LiveControls({ session, spaceId }: { session: LiveSession; spaceId: string }) {
  const toast = useToast();
  const [confirmEnd, setConfirmEnd] = useState(false);
  const { summary } = useSpaceDetails(session);
  const { you, guest, invited } = useSpaceMe(session);
  const { view: tier, pending } = useSpaceTier(session);
  const { mic, camera } = useSpaceMedia(session.media);
  const { act, media } = session;
  if (!summary) return null;
  const lowData = tier.tier === 'hls';
  const recording = summary.recording;

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
          void act({ action: 'setMicMuted', muted: !you.muted });
        }}
        onRetryMic={() => media.retryMic()}
        onRequest={async () => {
          if (await act({ action: 'requestToSpeak' })) toast('Request sent. The hosts will see it.', 'success');
        }}
        onCancelRequest={() => void act({ action: 'cancelRequest' })}
        onMuteAll={async () => {
          if (await act({ action: 'muteAll' })) toast('Everyone on stage is muted', 'success');
        }}
        onLeaveStage={() => void act({ action: 'leaveStage' })}
        onEnd={() => setConfirmEnd(true)}
        onLeave={async () => {
          await session.leave();
          navigate('/');
        }}
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
    </>
  );
}
