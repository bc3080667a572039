// The controls on one person: a "⋯" button that opens a menu of what the viewer may do
// (pin them on the stage video, for everyone; moderation, for hosts and co-hosts). Comments
// use it too, under their own name.
import { Fragment, useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { createPortal } from 'react-dom';
import type { MenuItem } from '../lib/menus.js';
import { MoreIcon } from './Icons.js';

interface Props<A extends string> {
  handle: string;
  items: MenuItem<A>[];
  onSelect(action: A): void;
  className?: string;
  /** The button's and menu's accessible name; "Actions for HANDLE" unless given. */
  label?: string;
  /** Told when the menu opens and closes (a comment stream holds still meanwhile). */
  onOpenChange?(open: boolean): void;
}

const MENU_WIDTH = 208;

export function PersonMenu<A extends string>({ handle, items, onSelect, className, label, onOpenChange }: Props<A>) {
  const name = label ?? `Actions for ${handle}`;
  const [open, setOpen] = useState(false);
  const [pos, setPos] = useState<{ top?: number; bottom?: number; left: number } | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  /** Where the button was when the menu was placed next to it. */
  const anchor = useRef<DOMRect | null>(null);
  const openChange = useRef(onOpenChange);
  openChange.current = onOpenChange;
  /** What the listener was last told: only changes are reported (and a close on unmount). */
  const reported = useRef(false);
  useEffect(() => {
    if (open === reported.current) return;
    reported.current = open;
    openChange.current?.(open);
  }, [open]);
  useEffect(
    () => () => {
      if (reported.current) openChange.current?.(false);
    },
    [],
  );

  const close = useCallback((refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  }, []);

  useLayoutEffect(() => {
    if (!open || !button.current) return;
    const r = button.current.getBoundingClientRect();
    anchor.current = r;
    const left = Math.max(8, Math.min(r.right - MENU_WIDTH, window.innerWidth - MENU_WIDTH - 8));
    const estimated = items.length * 44 + 16;
    if (r.bottom + estimated + 8 > window.innerHeight && r.top > estimated + 8) {
      setPos({ bottom: window.innerHeight - r.top + 6, left });
    } else {
      setPos({ top: r.bottom + 6, left });
    }
  }, [open, items.length]);

  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    // contains() takes only a Node: a resize's (or rotation's) target is the window itself.
    const inside = (target: EventTarget | null, el: HTMLElement | null) => target instanceof Node && !!el?.contains(target);
    const onPointer = (e: PointerEvent) => {
      if (!inside(e.target, menu.current) && !inside(e.target, button.current)) close(false);
    };
    // The menu is placed next to its button: once the button moves (a scroll, a resize), it
    // closes. A scroll that left the button where it was (one that landed just after the
    // click that opened the menu, or of something else) changes nothing.
    const onScroll = (e: Event) => {
      if (inside(e.target, menu.current)) return;
      const was = anchor.current;
      const now = button.current?.getBoundingClientRect();
      if (!was || !now || Math.abs(now.top - was.top) > 1 || Math.abs(now.left - was.left) > 1) close(false);
    };
    document.addEventListener('pointerdown', onPointer);
    window.addEventListener('resize', onScroll);
    window.addEventListener('scroll', onScroll, true);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      window.removeEventListener('resize', onScroll);
      window.removeEventListener('scroll', onScroll, true);
    };
  }, [open, pos, close]);

  const onMenuKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const entries = [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const i = entries.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      close(true);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const step = e.key === 'ArrowDown' ? 1 : -1;
      entries[(i + step + entries.length) % entries.length]?.focus();
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      entries[e.key === 'Home' ? 0 : entries.length - 1]?.focus();
    } else if (e.key === 'Tab') {
      close(false);
    }
  };

  if (items.length === 0) return null;
  return (
    <>
      <button
        ref={button}
        type="button"
        className={`menu-button ${className ?? ''}`}
        aria-label={name}
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        <MoreIcon size={18} />
      </button>
      {open &&
        createPortal(
          <div
            ref={menu}
            className="menu"
            role="menu"
            aria-label={name}
            style={{ ...pos, width: MENU_WIDTH, visibility: pos ? 'visible' : 'hidden' }}
            onKeyDown={onMenuKey}
          >
            {/* The name is drawn by CSS, so that it adds no second text match for the handle. */}
            <div className="menu-heading" aria-hidden="true" data-handle={handle} />
            {items.map((item) => (
              <Fragment key={item.action}>
                {item.separated && <div role="separator" className="menu-separator" />}
                <button
                  type="button"
                  role="menuitem"
                  tabIndex={-1}
                  className={`menu-item${item.danger ? ' menu-item-danger' : ''}`}
                  onClick={() => {
                    close(true);
                    onSelect(item.action);
                  }}
                >
                  {item.label}
                </button>
              </Fragment>
            ))}
          </div>,
          document.body,
        )}
    </>
  );
}
