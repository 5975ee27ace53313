// Chromium for the benchmarks that measure the UI: Debian's binary with the E2E suite's flags, and frame timing.
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumArgs } from '../../playwright.config';

/** Debian's Chromium (or ORRERY_CHROMIUM), launched as the E2E tests launch it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.ORRERY_CHROMIUM ?? '/usr/bin/chromium', args: chromiumArgs });
}

/** Scrolls the element matching `selector` to its end, `stepPx` a frame; answers the gaps between frames (ms). */
export function scrollFrameGaps(page: Page, selector: string, stepPx: number): Promise<number[]> {
  return page.evaluate(
    ([target, step]) =>
      new Promise<number[]>((resolve) => {
        // The page's own clock (this runs in Chromium, not in Node).
        const clock = (globalThis as unknown as Window).performance;
        const scroller = document.querySelector(target) as HTMLElement;
        const gaps: number[] = [];
        let last = clock.now();
        const frame = () => {
          const now = clock.now();
          gaps.push(now - last);
          last = now;
          scroller.scrollTop += step;
          if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 2 || gaps.length > 3000) resolve(gaps.slice(1));
          else requestAnimationFrame(frame);
        };
        requestAnimationFrame(frame);
      }),
    [selector, stepPx] as const,
  );
}
