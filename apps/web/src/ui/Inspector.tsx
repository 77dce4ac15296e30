import type { WireFrame } from '../chat/engineSession.ts';

/** Every frame this page sent to and received from the verifier: what left the device. */
export function Inspector({ frames, onClear }: { frames: WireFrame[]; onClear(): void }) {
  return (
    <div class="inspector">
      <p class="muted">
        Every WebSocket frame, as sent and received. Your history never appears here: only the
        public prompt, settings and token ids leave this browser.
      </p>
      <button type="button" onClick={onClear} disabled={frames.length === 0}>
        Clear
      </button>
      <ol class="frames" data-testid="frames">
        {frames.map((f) => (
          <li class={`frame ${f.direction}`}>
            <span class="dir">{f.direction === 'sent' ? '↑ sent' : '↓ received'}</span>{' '}
            <span class="muted">#{f.connection}</span>
            <code>{f.text}</code>
          </li>
        ))}
      </ol>
    </div>
  );
}
