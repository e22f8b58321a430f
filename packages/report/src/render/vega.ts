/** Vega-Lite spec -> standalone SVG string, headless in Node (vega's View with no renderer; no browser, no canvas). */
import { SelfjError } from '@selfj/core';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Figures carry their data inline; a spec (e.g. from a theme file) that asks to load a URL or file is refused. */
function refusingLoader(refused: string[]): vega.Loader {
  const refuse = async (uri: string) => {
    refused.push(`it tried to load "${uri}" (report figures must carry their data inline)`);
    throw new SelfjError('BAD_INPUT', `A report figure tried to load "${uri}"; report figures must carry their data inline.`, {
      solutions: ['Remove "url" data sources from your --theme file'],
    });
  };
  const l = vega.loader();
  return Object.assign(l, { load: refuse, sanitize: refuse, http: refuse, file: refuse });
}

export interface RenderedSvg {
  svg: string;
  /** Vega-Lite and Vega warnings while compiling and running the spec. */
  warnings: string[];
}

export async function renderSvg(spec: TopLevelSpec): Promise<RenderedSvg> {
  const warnings: string[] = [];
  const errors: string[] = [];
  const text = (a: unknown[]) => a.map((x) => (x instanceof Error ? x.message.split('\n')[0] : String(x))).join(' ');
  // vega reports a failed data load (as a warning) or expression (as an error) and draws on: such a figure is refused
  const logger = {
    level: () => logger,
    error: (...a: unknown[]) => void errors.push(text(a)),
    warn: (...a: unknown[]) => void warnings.push(text(a)),
    info: () => logger,
    debug: () => logger,
  };
  const { spec: vg } = compile(spec, { logger: logger as never });
  const view = new vega.View(vega.parse(vg), { renderer: 'none', loader: refusingLoader(errors), logLevel: vega.Warn, logger: logger as never });
  try {
    const svg = await view.toSVG();
    if (errors.length) throw new SelfjError('BAD_INPUT', `The figure could not be drawn: ${errors.join('; ')}`);
    return { svg, warnings };
  } finally {
    view.finalize();
  }
}
