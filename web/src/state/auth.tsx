// The signed-in account: JWT and user in localStorage, an ApiClient that carries the token.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiClient, ApiError, type AuthResult, type User } from '../../../src/sdk/api.js';
import { KEYS, load, save } from '../lib/storage.js';

interface AuthValue {
  user: User | null;
  token: string | null;
  api: ApiClient;
  signIn(handle: string, password: string): Promise<User>;
  signUp(handle: string, password: string): Promise<User>;
  signOut(): void;
  /** Ends every session of this account, on every device, then signs out here. */
  signOutEverywhere(): Promise<void>;
}

const AuthContext = createContext<AuthValue | null>(null);

function storedUser(): User | null {
  const raw = load(KEYS.user);
  if (!raw) return null;
  try {
    const u = JSON.parse(raw) as Partial<User>;
    return typeof u.id === 'string' && typeof u.handle === 'string' ? { id: u.id, handle: u.handle } : null;
  } catch {
    return null;
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<{ token: string | null; user: User | null }>(() => {
    const token = load(KEYS.token);
    return { token, user: token ? storedUser() : null };
  });
  const api = useMemo(() => new ApiClient('', session.token), [session.token]);

  const adopt = useCallback((result: AuthResult) => {
    save(KEYS.token, result.token);
    save(KEYS.user, JSON.stringify(result.user));
    setSession({ token: result.token, user: result.user });
    return result.user;
  }, []);

  const signOut = useCallback(() => {
    save(KEYS.token, null);
    save(KEYS.user, null);
    setSession({ token: null, user: null });
  }, []);

  // Check a stored token once: an expired one signs out quietly.
  useEffect(() => {
    if (!session.token) return;
    let cancelled = false;
    api.me().then(
      ({ user }) => {
        if (cancelled) return;
        save(KEYS.user, JSON.stringify(user));
        setSession((s) => (s.user?.id === user.id && s.user.handle === user.handle ? s : { ...s, user }));
      },
      (err: unknown) => {
        if (!cancelled && err instanceof ApiError && err.status === 401) signOut();
      },
    );
    return () => {
      cancelled = true;
    };
    // Only when the token changes (api and signOut follow from it).
  }, [session.token]);

  const value = useMemo<AuthValue>(
    () => ({
      user: session.user,
      token: session.token,
      api,
      signIn: async (handle, password) => adopt(await new ApiClient('').signIn(handle, password)),
      signUp: async (handle, password) => adopt(await new ApiClient('').signUp(handle, password)),
      signOut,
      signOutEverywhere: async () => {
        await api.signOutEverywhere();
        signOut();
      },
    }),
    [session, api, adopt, signOut],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}
