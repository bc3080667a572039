import { AppHeader } from '../components/AppHeader.js';
import { FullPageMessage } from '../components/FullPageMessage.js';

export function NotFoundPage() {
  return (
    <div className="page">
      <AppHeader />
      <FullPageMessage title="Page not found" body="There is nothing at this address." />
    </div>
  );
}
