import * as z from 'zod/mini';
import { en } from 'zod/locales';

/**
 * Classic zod installs its English messages when imported; zod/mini leaves every issue as "Invalid input". The
 * 400 details and config errors quote these messages, so the modules that report issues import this first.
 */
z.config(en());
