// Light and dark themes: follow the system until the person picks one.
import { useCallback, useEffect, useState } from 'react';
import { KEYS, load, save } from '../lib/storage.js';

export type Theme = 'light' | 'dark';

const query = () => window.matchMedia('(prefers-color-scheme: dark)');

function effectiveTheme(): Theme {
  const set = document.documentElement.dataset.theme;
  if (set === 'light' || set === 'dark') return set;
  return query().matches ? 'dark' : 'light';
}

export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(effectiveTheme);

  useEffect(() => {
    const mq = query();
    const onChange = () => setTheme(effectiveTheme());
    mq.addEventListener('change', onChange);
    return () => mq.removeEventListener('change', onChange);
  }, []);

  const toggle = useCallback(() => {
    const next: Theme = effectiveTheme() === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    save(KEYS.theme, next);
    setTheme(next);
  }, []);

  return [theme, toggle];
}

export function savedTheme(): Theme | null {
  const t = load(KEYS.theme);
  return t === 'light' || t === 'dark' ? t : null;
}
