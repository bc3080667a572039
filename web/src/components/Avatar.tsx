// A round avatar: initials on a gradient derived from the handle, with an optional
// speaking ring whose glow grows with the speaker's loudness.
import type { CSSProperties } from 'react';
import { hueFor, initials } from '../lib/identity.js';

export type AvatarSize = 'xs' | 'sm' | 'md' | 'lg' | 'xl';

interface Props {
  handle: string;
  size?: AvatarSize;
  /** 0..1 while the person is talking; undefined when silent. */
  level?: number | undefined;
  dim?: boolean;
}

export function Avatar({ handle, size = 'md', level, dim }: Props) {
  const hue = hueFor(handle);
  const speaking = level !== undefined;
  const style = {
    '--hue': hue,
    '--level': speaking ? Math.max(0.15, level) : 0,
  } as CSSProperties;
  return (
    <span className={`avatar avatar-${size}${speaking ? ' is-speaking' : ''}${dim ? ' is-dim' : ''}`} style={style} aria-hidden="true">
      <span className="avatar-ring" />
      {/* Initials are drawn by CSS so that they add no text to the person's row. */}
      <span className="avatar-face" data-initials={initials(handle)} />
    </span>
  );
}
