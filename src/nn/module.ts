/**
 * Module: a layer that owns trainable tensors and sub-modules as plain fields. Parameters are found by
 * walking fields in declaration order, so names are stable ("blocks.0.attn.q.weight") for save/load.
 */
import { Tensor } from './tensor.js';

export abstract class Module {
  /** Dropout and similar behave differently when training. */
  training = true;

  /** Every trainable leaf with its dotted path. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const visit = (value: unknown, path: string): void => {
      if (value instanceof Tensor) {
        if (value.requiresGrad && value.node === null) out.push([path, value]);
      } else if (value instanceof Module) {
        out.push(...value.namedParameters(`${path}.`));
      } else if (Array.isArray(value)) {
        value.forEach((v, i) => visit(v, `${path}.${i}`));
      }
    };
    for (const [key, value] of Object.entries(this)) visit(value, `${prefix}${key}`);
    return out;
  }

  /**
   * State that is saved with the parameters but not trained: tensors without requiresGrad held as fields
   * (batch-norm running statistics), with dotted paths as in namedParameters.
   */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const visit = (value: unknown, path: string): void => {
      if (value instanceof Tensor) {
        if (!value.requiresGrad && value.node === null) out.push([path, value]);
      } else if (value instanceof Module) {
        out.push(...value.namedBuffers(`${path}.`));
      } else if (Array.isArray(value)) {
        value.forEach((v, i) => visit(v, `${path}.${i}`));
      }
    };
    for (const [key, value] of Object.entries(this)) visit(value, `${prefix}${key}`);
    return out;
  }

  /** Every trainable leaf. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Set training mode here and in every sub-module. */
  train(on = true): this {
    const visit = (value: unknown): void => {
      if (value instanceof Module) value.train(on);
      else if (Array.isArray(value)) value.forEach(visit);
    };
    this.training = on;
    for (const value of Object.values(this)) if (value !== this) visit(value);
    return this;
  }

  /** Inference mode (train(false)). */
  eval(): this {
    return this.train(false);
  }

  /** Total number of trainable values. */
  parameterCount(): number {
    return this.parameters().reduce((s, p) => s + p.size, 0);
  }
}
