//===- train-rnn/main.cpp - Train a tanh RNN to integrate its input -------===//
//
//   train-rnn [--steps N]
//
// Trains the RNN of TrainRnn.h (16 hidden units, sequences of 20 steps, batches of 32, Adam
// with lr 1e-2) on fresh batches of the integration task from a fixed seed and prints the loss
// every 50 steps. Every training step is one compiled call.
//
//===----------------------------------------------------------------------===//
#include "TrainRnn.h"

#include <cstdio>
#include <cstring>
#include <string>

int main(int argc, char **argv) {
  int steps = 400;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--steps") == 0)
      steps = std::stoi(argv[i + 1]);
  Rnn net(/*inputs=*/1, /*hidden=*/16, /*outputs=*/1, /*seed=*/42);
  bst::optim::Adam opt(net.states<bst::ParamState>(), {.lr = 1e-2});
  auto trainStep = makeTrainStep(net, opt);
  std::mt19937_64 data(7);
  for (int k = 1; k <= steps; ++k) {
    Batch batch = integrationBatch(20, 32, data);
    float loss = trainStep(batch.xs, batch.target).item<float>();
    if (k == 1 || k % 50 == 0)
      std::printf("step %4d  loss %.5f\n", k, loss);
  }
  std::printf("compiled %zu version(s); last compile %.0f ms\n", trainStep.cacheSize(),
              trainStep.lastCompile().totalMs());
  return 0;
}
