/**
 * Every kernel model, by the name the command line and the features use.
 */
import { adapterChannelKernelModel } from './adapter-channel-model';
import { contiguousKernelModel } from './contiguous-model';
import { KernelModel } from './kernel-model';
import { mdlKernelModel } from './mdl-model';
import { poolKernelModel } from './pool-model';
import { scatterGatherSizeKernelModel } from './scatter-gather-size-model';

/** A model of any state: callers of the catalog only run models, so they need not know the types. */
export type AnyKernelModel = KernelModel<object, unknown>;

export const KERNEL_MODELS: readonly AnyKernelModel[] = [
  mdlKernelModel,
  poolKernelModel,
  scatterGatherSizeKernelModel,
  adapterChannelKernelModel,
  contiguousKernelModel,
];

export function kernelModelNamed(name: string): AnyKernelModel {
  const found = KERNEL_MODELS.find((m) => m.name === name);
  if (!found) throw new RangeError(`no kernel model named "${name}"; the models are ${KERNEL_MODELS.map((m) => `"${m.name}"`).join(', ')}`);
  return found;
}
