//===- TrainRnnTest.cpp - examples/train-rnn learns its task --------------===//
#include "../../examples/train-rnn/TrainRnn.h"

#include "gtest/gtest.h"

namespace {

TEST(TrainRnnTest, LossFallsBelowThreshold) {
  // The example's setting: 16 hidden units, 20 steps, batches of 32, Adam 1e-2, fixed seeds.
  Rnn net(1, 16, 1, 42);
  bst::optim::Adam opt(net.states<bst::ParamState>(), {.lr = 1e-2});
  auto trainStep = makeTrainStep(net, opt);
  std::mt19937_64 data(7);
  std::vector<float> losses;
  for (int k = 0; k < 300; ++k) {
    Batch batch = integrationBatch(20, 32, data);
    losses.push_back(trainStep(batch.xs, batch.target).item<float>());
  }
  EXPECT_EQ(trainStep.cacheSize(), 1u);
  EXPECT_GT(losses.front(), 0.2f); // the target's variance is 1/3
  float last = 0;
  for (size_t k = losses.size() - 50; k < losses.size(); ++k)
    last += losses[k] / 50;
  EXPECT_LT(last, 0.02f) << "mean loss of the last 50 steps";
  EXPECT_EQ(opt.states().at("adam.step").value().leaf().item<double>(), 300);
}

} // namespace
