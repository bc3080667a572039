// The app shell: providers and the route switch.
import { AuthProvider } from './state/auth.js';
import { ToastProvider } from './state/toasts.js';
import { matchRoute, useLocation } from './router.js';
import { HomePage } from './pages/HomePage.js';
import { SpacePage } from './pages/SpacePage.js';
import { SignInPage } from './pages/SignInPage.js';
import { NotFoundPage } from './pages/NotFoundPage.js';
import { useFocusOnRouteChange } from './lib/routeFocus.js';

export function App() {
  return (
    <AuthProvider>
      <ToastProvider>
        <Routes />
      </ToastProvider>
    </AuthProvider>
  );
}

function Routes() {
  const { pathname } = useLocation();
  const route = matchRoute(pathname);
  useFocusOnRouteChange(pathname);
  switch (route.name) {
    case 'home':
      return <HomePage />;
    case 'space':
      // Keyed, so that moving from one Space to another starts a fresh session.
      return <SpacePage key={route.spaceId} spaceId={route.spaceId} />;
    case 'signin':
      return <SignInPage />;
    default:
      return <NotFoundPage />;
  }
}
