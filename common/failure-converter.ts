import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failure messages and stack traces go into an encoded attribute, which the payload codec encrypts (they name users,
 * hosts and addresses). Loaded by path (`failureConverterPath`) because workflow code needs it too: in the workflow
 * bundle and in every worker and client.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
