// judgeHeadTrainStep(args): validates the args object, runs the fused step on the chosen backend and leaves
// w/bias/state untouched when the result is not finite (the inputs are then scanned to name the culprit).
#include <cmath>
#include <string>
#include <vector>

#include "backend.h"
#include "cpu_ops.h"
#include "validate.h"
#ifdef SELFJ_WITH_CUDA
#include "cuda/cuda_api.h"
#endif

namespace selfj {

namespace {
const char* kFn = "judgeHeadTrainStep";

struct Snapshot {  // copies of everything the step mutates, to restore on failure
  std::vector<std::vector<float>> data;
  std::vector<F32> arrays;
  void take(std::initializer_list<F32> list) {
    for (const F32& a : list) {
      arrays.push_back(a);
      data.emplace_back(a.data, a.data + a.len);
    }
  }
  void restore() {
    for (size_t i = 0; i < arrays.size(); ++i) std::copy(data[i].begin(), data[i].end(), arrays[i].data);
  }
};
}  // namespace

Napi::Value judgeHeadTrainStepImpl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject() || info[0].IsTypedArray() || info[0].IsArray())
    throw BadInput(BadInput::Type, "args", "an object", "judgeHeadTrainStep: expected one args object");
  Napi::Object args = info[0].As<Napi::Object>();
  auto field = [&](const char* name) { return args.Get(name); };
  F32 hT = getF32(field("hTeacher"), kFn, "hTeacher"), hS = getF32(field("hStudent"), kFn, "hStudent");
  F32 offT = getF32(field("offsetTeacher"), kFn, "offsetTeacher", true);
  F32 offS = getF32(field("offsetStudent"), kFn, "offsetStudent", true);
  F32 targets = getF32(field("targets"), kFn, "targets");
  F32 weights = getF32(field("sampleWeights"), kFn, "sampleWeights", true);
  F32 w = getF32(field("w"), kFn, "w"), bias = getF32(field("bias"), kFn, "bias");
  size_t dim = getInt(field("dim"), kFn, "dim", 1, 4294967295.0);
  size_t bins = getInt(field("bins"), kFn, "bins", 2, 64);
  size_t n = rowsOf(hT, dim, kFn, "hTeacher");
  if (n == 0)  // a step needs data (the mean over zero rows is undefined); same rule as the TS API
    throw BadInput(BadInput::Range, "hTeacher", "at least one row",
                   "judgeHeadTrainStep: hTeacher is empty (expected at least one row of dim=" +
                       std::to_string(dim) + ")");
  std::string rowsBins = "rows x bins, " + std::to_string(n) + " x " + std::to_string(bins);
  expectLen(hS, hT.len, kFn, "hStudent", "the length of hTeacher (rows x dim)");
  if (offT.present) expectLen(offT, n * bins, kFn, "offsetTeacher", rowsBins);
  if (offS.present) expectLen(offS, n * bins, kFn, "offsetStudent", rowsBins);
  expectLen(targets, n * bins, kFn, "targets", rowsBins);
  if (weights.present) expectLen(weights, n, kFn, "sampleWeights", "one weight per row, n");
  std::string binsDim = "bins x dim, " + std::to_string(bins) + " x " + std::to_string(dim);
  expectLen(w, bins * dim, kFn, "w", binsDim);
  expectLen(bias, bins, kFn, "bias", "bins");
  Napi::Value stateV = field("state");
  if (!stateV.IsObject())
    throw BadInput(BadInput::Type, "state", "AdamWState", "judgeHeadTrainStep: state must be an AdamWState object");
  Napi::Object state = stateV.As<Napi::Object>();
  F32 mW = getF32(state.Get("mW"), kFn, "state.mW"), vW = getF32(state.Get("vW"), kFn, "state.vW");
  F32 mB = getF32(state.Get("mB"), kFn, "state.mB"), vB = getF32(state.Get("vB"), kFn, "state.vB");
  expectLen(mW, bins * dim, kFn, "state.mW", binsDim);
  expectLen(vW, bins * dim, kFn, "state.vW", binsDim);
  expectLen(mB, bins, kFn, "state.mB", "bins");
  expectLen(vB, bins, kFn, "state.vB", "bins");
  int64_t step = static_cast<int64_t>(getInt(state.Get("step"), kFn, "state.step", 0, 9007199254740991.0)) + 1;
  TrainHyper hp;
  hp.lr = static_cast<float>(getNum(field("lr"), kFn, "lr", 0, 1e6, 1e-3));
  hp.beta1 = static_cast<float>(getNum(field("beta1"), kFn, "beta1", 0, 0.999999, 0.9));
  hp.beta2 = static_cast<float>(getNum(field("beta2"), kFn, "beta2", 0, 0.999999999, 0.999));
  hp.eps = static_cast<float>(getNum(field("eps"), kFn, "eps", 1e-30, 1, 1e-8));
  hp.weightDecay = static_cast<float>(getNum(field("weightDecay"), kFn, "weightDecay", 0, 1e6, 0.01));
  hp.studentWeight = static_cast<float>(getNum(field("studentWeight"), kFn, "studentWeight", 0, 1e6, 0.3));
  hp.klWeight = static_cast<float>(getNum(field("klWeight"), kFn, "klWeight", 0, 1e6, 2.0));
  if (weights.present) {
    double s = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!(weights.data[i] >= 0.0f) || !std::isfinite(weights.data[i]))
        throw BadInput(BadInput::Range, "sampleWeights", "finite values >= 0",
                       "judgeHeadTrainStep: sampleWeights[" + std::to_string(i) + "] is not a finite value >= 0");
      s += weights.data[i];
    }
    if (s <= 0)
      throw BadInput(BadInput::Range, "sampleWeights", "a positive sum", "judgeHeadTrainStep: sampleWeights sum to 0");
  }

  Napi::Object res = Napi::Object::New(env);
  TrainLoss loss{0, 0, 0, 0};
  {
    Snapshot snap;
    snap.take({w, bias, mW, vW, mB, vB});
    bool ok = true;
#ifdef SELFJ_WITH_CUDA
    if (backend().useCuda) {
      SelfjTrainHyper ch{hp.lr, hp.beta1, hp.beta2, hp.eps, hp.weightDecay, hp.studentWeight, hp.klWeight};
      SelfjTrainLoss cl{0, 0, 0, 0};
      char err[512] = {0};
      int rc = selfj_cuda_judge_head_train_step(hT.data, hS.data, offT.data, offS.data, targets.data, weights.data, n,
                                                dim, bins, w.data, bias.data, mW.data, vW.data, mB.data, vB.data, step,
                                                ch, &cl, err, sizeof err);
      if (rc != 0) {
        snap.restore();
        throwNative(env, std::string(kFn) + " (cuda): " + err);
      }
      loss = {cl.loss, cl.ceTeacher, cl.ceStudent, cl.kl};
      ok = allFinite(w.data, w.len) && allFinite(bias.data, bias.len);
    } else
#endif
    {
      std::vector<float> gW(bins * dim), gb(bins);
      loss = cpuHeadGradients(kernelsFor(Kernel::HeadTrain), hT.data, hS.data, offT.data, offS.data, targets.data, weights.data, n, dim, bins, w.data,
                              bias.data, hp, gW.data(), gb.data());
      ok = allFinite(gW.data(), gW.size()) && allFinite(gb.data(), gb.size());
      if (ok) {
        adamwUpdate(w.data, gW.data(), mW.data, vW.data, w.len, step, hp, true);
        adamwUpdate(bias.data, gb.data(), mB.data, vB.data, bias.len, step, hp, false);
        ok = allFinite(w.data, w.len) && allFinite(bias.data, bias.len);
      }
    }
    ok = ok && std::isfinite(loss.loss) && std::isfinite(loss.ceTeacher) && std::isfinite(loss.ceStudent) &&
         std::isfinite(loss.kl);
    if (!ok) {
      snap.restore();
      nonFinite(kFn, {{"hTeacher", hT.data, hT.len}, {"hStudent", hS.data, hS.len},
                      {"offsetTeacher", offT.data, offT.len}, {"offsetStudent", offS.data, offS.len},
                      {"targets", targets.data, targets.len}, {"w", w.data, w.len}, {"bias", bias.data, bias.len},
                      {"state.mW", mW.data, mW.len}, {"state.vW", vW.data, vW.len}, {"state.mB", mB.data, mB.len},
                      {"state.vB", vB.data, vB.len}});
    }
    state.Set("step", Napi::Number::New(env, static_cast<double>(step)));
  }
  res.Set("loss", loss.loss);
  res.Set("ceTeacher", loss.ceTeacher);
  res.Set("ceStudent", loss.ceStudent);
  res.Set("kl", loss.kl);
  return res;
}

Napi::Value judgeHeadTrainStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    return judgeHeadTrainStepImpl(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const BadInput& e) {
    throwJs(env, e);
  } catch (const std::bad_alloc&) {
    throwNative(env, "judgeHeadTrainStep: out of memory");
  } catch (const std::exception& e) {
    throwNative(env, std::string("judgeHeadTrainStep: ") + e.what());
  }
}

}  // namespace selfj
