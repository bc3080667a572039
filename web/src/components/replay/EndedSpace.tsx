// An ended Space: its replay when the host recorded it, "being processed" while the server
// finishes the recording (we look again every few seconds), and otherwise just the end.
import { useEffect, useState } from 'react';
import { useAuth } from '../../state/auth.js';
import { fetchRecording, type Recording } from '../../state/recordings.js';
import { FullPageMessage } from '../FullPageMessage.js';
import { RecordIcon, StopIcon } from '../Icons.js';
import { ReplayView } from './ReplayView.js';

const POLL_MS = 3000;

/** undefined: still asking; null: no recording. */
function useRecording(spaceId: string): Recording | null | undefined {
  const { api } = useAuth();
  const [recording, setRecording] = useState<Recording | null | undefined>(undefined);
  useEffect(() => {
    let cancelled = false;
    let timer: number | undefined;
    let failures = 0;
    const load = () => {
      fetchRecording(api, spaceId).then(
        (r) => {
          if (cancelled) return;
          failures = 0;
          setRecording(r);
          if (r?.state === 'recording') timer = window.setTimeout(load, POLL_MS);
        },
        () => {
          if (cancelled) return;
          // A hiccup should not hide a replay: ask again a few times, then show the plain end.
          if (++failures < 4) timer = window.setTimeout(load, POLL_MS);
          else setRecording((r) => (r === undefined ? null : r));
        },
      );
    };
    load();
    return () => {
      cancelled = true;
      window.clearTimeout(timer);
    };
  }, [api, spaceId]);
  return recording;
}

export function EndedSpace({ spaceId, title }: { spaceId: string; title: string | null }) {
  const recording = useRecording(spaceId);
  const name = recording?.title ?? title;
  if (recording === undefined) {
    return (
      <main className="full-page-message" aria-busy="true">
        <span role="status">
          <span className="spinner replay-wait" aria-hidden="true" />
          <span className="visually-hidden">Loading</span>
        </span>
      </main>
    );
  }
  if (recording?.state === 'ready' && recording.playlistUrl) return <ReplayView recording={recording} />;
  if (recording?.state === 'recording') {
    return (
      <FullPageMessage
        icon={<RecordIcon size={30} />}
        title="This Space has ended"
        body={
          <>
            <span className="processing">
              <span className="spinner" aria-hidden="true" />
              Recording is being processed
            </span>
            {name ? `The replay of “${name}” appears here in a moment.` : 'The replay appears here in a moment.'}
          </>
        }
      />
    );
  }
  const over = name ? `“${name}” is over.` : 'It is over.';
  return (
    <FullPageMessage
      icon={<StopIcon size={30} />}
      title="This Space has ended"
      body={recording?.state === 'failed' ? `${over} Its recording could not be saved, sorry.` : `${over} Thanks for listening.`}
    />
  );
}
