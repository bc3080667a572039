// A modal dialog rendered outside the app root. While it is open the rest of the app is
// inert and hidden from assistive technology, so its buttons are the only ones in reach.
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

interface Props {
  title: string;
  children?: ReactNode;
  actions: ReactNode;
  icon?: ReactNode;
  /** Escape or a click on the backdrop; omit to require a choice. */
  onDismiss?: () => void;
  /** Extra class on the dialog (e.g. "modal-wide" for a form). */
  className?: string;
}

let openCount = 0;

function setAppHidden(hidden: boolean): void {
  const root = document.getElementById('root');
  if (!root) return;
  root.inert = hidden;
  if (hidden) root.setAttribute('aria-hidden', 'true');
  else root.removeAttribute('aria-hidden');
}

export function Modal({ title, children, actions, icon, onDismiss, className }: Props) {
  const titleId = useId();
  const panel = useRef<HTMLDivElement>(null);
  const dismissRef = useRef(onDismiss);
  dismissRef.current = onDismiss;

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    openCount++;
    setAppHidden(true);
    const first = panel.current?.querySelector<HTMLElement>('[data-autofocus]') ?? panel.current?.querySelector<HTMLElement>('button');
    first?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && dismissRef.current) {
        e.preventDefault();
        dismissRef.current();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      openCount--;
      if (openCount === 0) setAppHidden(false);
      previous?.focus?.();
    };
  }, []);

  return createPortal(
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && dismissRef.current?.()}>
      <div ref={panel} className={`modal${className ? ` ${className}` : ''}`} role="dialog" aria-modal="true" aria-labelledby={titleId}>
        {icon && (
          <div className="modal-icon" aria-hidden="true">
            {icon}
          </div>
        )}
        <h2 id={titleId} className="modal-title">
          {title}
        </h2>
        {children && <div className="modal-body">{children}</div>}
        <div className="modal-actions">{actions}</div>
      </div>
    </div>,
    document.body,
  );
}
