// An ended Space: its replay when the host recorded it, "being processed" while the server
// finishes the recording (we look again every few seconds), and otherwise just the end.
import { useEffect, useState } from 'react';
import type { SpaceSummary } from '../../../../src/protocol/messages.js';
import { useAuth } from '../../state/auth.js';
import { fetchRecording, type Recording } from '../../state/recordings.js';
import { Avatar } from '../Avatar.js';
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

/**
 * The Space's summary: a page opened on an ended Space is refused by the signalling server
 * before it learns anything of the Space, so its title, host and dates come from REST.
 */
function useSummary(spaceId: string): SpaceSummary | null {
  const { api } = useAuth();
  const [summary, setSummary] = useState<SpaceSummary | null>(null);
  useEffect(() => {
    let cancelled = false;
    api.getSpace(spaceId).then(
      (s) => !cancelled && setSummary(s),
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [api, spaceId]);
  return summary;
}

const dateFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  month: 'short',
  day: 'numeric',
  year: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
});

/** What the Space was: its title, its host and when it ended. */
function Details({ summary, title }: { summary: SpaceSummary | null; title: string | null }) {
  const name = summary?.title ?? title;
  const at = summary?.endedAt ?? summary?.startedAt ?? null;
  const date = at ? new Date(at) : null;
  if (!name && !summary) return null;
  return (
    <div className="ended-details">
      {name && <p className="ended-title">{name}</p>}
      {summary && (
        <p className="scheduled-host">
          <Avatar handle={summary.hostHandle} size="sm" />
          <span>
            {summary.hostHandle} <span className="muted">· host</span>
          </span>
        </p>
      )}
      {date && !Number.isNaN(date.getTime()) && (
        <p className="ended-when">
          {summary?.endedAt ? 'Ended' : 'Started'} <time dateTime={date.toISOString()}>{dateFormat.format(date)}</time>
        </p>
      )}
    </div>
  );
}

export function EndedSpace({ spaceId, title }: { spaceId: string; title: string | null }) {
  const recording = useRecording(spaceId);
  const summary = useSummary(spaceId);
  const name = recording?.title ?? summary?.title ?? title;
  const details = <Details summary={summary} title={name} />;
  if (recording === undefined) {
    return (
      <main id="main" className="full-page-message" aria-busy="true">
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
        details={details}
        body={
          <>
            <span className="processing">
              <span className="spinner" aria-hidden="true" />
              Recording is being processed
            </span>
            The replay appears here in a moment.
          </>
        }
      />
    );
  }
  return (
    <FullPageMessage
      icon={<StopIcon size={30} />}
      title="This Space has ended"
      details={details}
      body={recording?.state === 'failed' ? 'Its recording could not be saved, sorry.' : 'Thanks for listening.'}
    />
  );
}
