import type { WriteBackRequest } from '../../common/write-back';

/** One source's write-back: what it wrote, for the case record. Errors follow the activity contract (ports.ts). */
export interface SourceWriter {
  write(
    request: WriteBackRequest,
    comment: { text: string; marker: string; id: string },
    owner?: string,
  ): Promise<string>;
}
