// A tiny model at a high rate whose −ELBO bounces: on the validation share that early stopping
// watches (15 of its 150 training images, as built-in MNIST has a test split; 3 steps an epoch) it
// improves, then worsens at epoch 3 (best about 252.9 at epoch 2), so with early stopping at
// patience 1 it stops after epoch 3. Shared by the unit and the end-to-end tests of the controls.
export const BOUNCY = {
  'data.limit': 200,
  'data.heldOutFraction': 0.25,
  'optim.batchSize': 50,
  'optim.learningRate': 0.05,
  'model.encoderHidden': [32],
  'model.decoderHidden': [32],
  'model.latentDim': 4,
  'run.seed': 5,
};
