// A tiny model at a high rate whose validation −ELBO (15 of its 150 training images; 3 steps an epoch) goes 391,
// 252.5, 272.5 (worse), ...: with early stopping at patience 1 it stops after epoch 3, and epoch 2 is
// the best. Shared by the unit and the end-to-end tests of the training controls.
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
