import { render } from 'preact';
import { registerSW } from 'virtual:pwa-register';
import { App } from './app.tsx';
import './styles.css';

render(<App />, document.getElementById('app')!);
// The service worker precaches the app shell so the app opens offline; a new build replaces it
// on the next load (autoUpdate). Browsers without service workers simply run online.
if ('serviceWorker' in navigator) registerSW({ immediate: true });
