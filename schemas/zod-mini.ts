// zod/mini, with zod's English messages: the flavour of zod every schema here is written in, because
// the workflow validates with these schemas too (docs/decisions.md, "Validation inside the workflow").
//
// The workflow bundle preloads this module (worker/workflow-bundle.ts): zod is then evaluated once
// per worker and shared, frozen, by every workflow, instead of once per cached workflow. Two rules
// follow. Build no schema here: a frozen schema cannot be used. And in a schema the workflow uses,
// write `z.regex` with a pattern of your own rather than zod's built-in formats (`z.iso.date()`,
// `z.email()`...): those test zod's own shared regular expressions, which are frozen in the workflow.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// A process that also loads full zod sets the same locale on its first schema; either may come first.
if (!z.core.globalConfig.localeError) z.config(en());

export { z };
