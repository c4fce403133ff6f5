import { defineUpdate } from '@temporalio/workflow';
import type { RangeEdit, RangeEditResult } from '../named-location';

/** Add or remove one IP; answered once the edit is applied (or could not be). */
export const editNamedLocationUpdate = defineUpdate<RangeEditResult, [RangeEdit]>('editNamedLocation');
