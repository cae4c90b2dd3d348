//===- OptMain.cpp - bst-opt: mlir-opt with bst's pipeline ----------------===//
#include "Lowering.h"
#include "bst/Compiler/Compiler.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int bst::compiler::bstOptMain(int argc, char **argv) {
  mlir::DialectRegistry registry;
  detail::registerDialects(registry);
  mlir::registerTransformsPasses();
  mlir::registerConversionPasses();
  mlir::registerLinalgPasses();
  mlir::bufferization::registerBufferizationPasses();
  mlir::memref::registerMemRefPasses();
  detail::registerBstPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "bst-opt: MLIR optimizer with bst's pipeline\n", registry));
}
