// Reactions: a row of emoji buttons, and everyone's reactions floating up over the stage
// video. The server batches them (counted per emoji, every 200 ms) and sends the same batch
// to everyone, the reactors included, so your own show up the same way as anyone's.
// The float is decoration (hidden from assistive technology); with reduced motion the emoji
// just appear for a moment where they would have started, without moving.
// Each reaction is drawn from our own image (public/reactions/*.svg), so it looks the same on
// every device, including those without a colour emoji font; the emoji stays its wire name.
import { useEffect, useRef, useState, type CSSProperties } from 'react';
import { REACTION_EMOJI, type ReactionEmoji } from '../../../src/protocol/messages.js';
import type { ReactionBatch } from '../state/chat.js';

/** Each reaction's image and its text alternative. */
const LOOKS: Record<ReactionEmoji, { file: string; name: string }> = {
  '👏': { file: 'clap', name: 'Clapping hands' },
  '❤️': { file: 'heart', name: 'Heart' },
  '😂': { file: 'laugh', name: 'Tears of joy' },
  '🔥': { file: 'fire', name: 'Fire' },
  '💯': { file: 'hundred', name: 'Hundred points' },
  '🙌': { file: 'raised-hands', name: 'Raised hands' },
  '😮': { file: 'wow', name: 'Surprised' },
  '👍': { file: 'thumbs-up', name: 'Thumbs up' },
};

function ReactionImage({ emoji, className }: { emoji: ReactionEmoji; className?: string }) {
  const look = LOOKS[emoji];
  return <img className={className} src={`/reactions/${look.file}.svg`} alt={look.name} draggable={false} />;
}

export function ReactionBar({ onReact, disabled = false }: { onReact(emoji: ReactionEmoji): void; disabled?: boolean }) {
  // A small pop on the button pressed, as the only immediate feedback (the float follows).
  const [popped, setPopped] = useState<{ emoji: ReactionEmoji; n: number } | null>(null);
  return (
    <div className="reaction-bar" role="group" aria-label="Reactions">
      {REACTION_EMOJI.map((emoji) => (
        <button
          key={emoji}
          type="button"
          className="reaction-button"
          aria-label={`React ${emoji}`}
          title={`React: ${LOOKS[emoji].name}`}
          disabled={disabled}
          onClick={() => {
            setPopped((p) => ({ emoji, n: (p?.n ?? 0) + 1 }));
            onReact(emoji);
          }}
        >
          <span key={popped?.emoji === emoji ? popped.n : 0} className={popped?.emoji === emoji ? 'is-popped' : undefined}>
            <ReactionImage emoji={emoji} />
          </span>
        </button>
      ))}
    </div>
  );
}

interface Floater {
  id: number;
  emoji: ReactionEmoji;
  /** Where it starts, in % of the width. */
  x: number;
  /** Sideways sway, px. */
  drift: number;
  delay: number;
  duration: number;
  scale: number;
}

/** At most this many of one emoji per batch, and this many on screen at once. */
const PER_EMOJI = 5;
const MAX_ON_SCREEN = 28;

let nextId = 1;

function reducedMotion(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
}

export function FloatingReactions({ subscribe }: { subscribe(listener: (items: ReactionBatch) => void): () => void }) {
  const [floaters, setFloaters] = useState<Floater[]>([]);
  const timers = useRef(new Set<number>());

  useEffect(() => {
    const pending = timers.current;
    const off = subscribe((items) => {
      const still = reducedMotion();
      const added: Floater[] = [];
      for (const { emoji, count } of items) {
        const n = Math.max(1, Math.min(PER_EMOJI, count));
        for (let i = 0; i < n; i++) {
          added.push({
            id: nextId++,
            emoji,
            // The right-hand side, away from the caption at the bottom left.
            x: 58 + Math.random() * 34,
            drift: Math.round((Math.random() - 0.5) * 60),
            delay: still ? 0 : i * 140 + Math.round(Math.random() * 80),
            duration: still ? 1600 : 2200 + Math.round(Math.random() * 900),
            scale: 0.85 + Math.random() * 0.45,
          });
        }
      }
      if (added.length === 0) return;
      setFloaters((list) => [...list, ...added].slice(-MAX_ON_SCREEN));
      const ids = new Set(added.map((f) => f.id));
      const longest = Math.max(...added.map((f) => f.delay + f.duration));
      const timer = window.setTimeout(() => {
        pending.delete(timer);
        setFloaters((list) => list.filter((f) => !ids.has(f.id)));
      }, longest + 50);
      pending.add(timer);
    });
    return () => {
      off();
      for (const t of pending) window.clearTimeout(t);
      pending.clear();
    };
  }, [subscribe]);

  return (
    <div className="reaction-layer" aria-hidden="true">
      {floaters.map((f) => (
        <span
          key={f.id}
          className="reaction-floater"
          data-emoji={f.emoji}
          style={
            {
              left: `${f.x}%`,
              '--drift': `${f.drift}px`,
              '--scale': f.scale,
              animationDelay: `${f.delay}ms`,
              animationDuration: `${f.duration}ms`,
            } as CSSProperties
          }
        >
          <ReactionImage emoji={f.emoji} />
        </span>
      ))}
    </div>
  );
}
