//===- bst/bst.h - Everything a model author includes -----------*- C++ -*-===//
#ifndef BST_BST_H
#define BST_BST_H

#include "bst/Checkpoint/Checkpoint.h"
#include "bst/Graph/Attribute.h"
#include "bst/Graph/Filter.h"
#include "bst/Graph/Graph.h"
#include "bst/Graph/GraphDef.h"
#include "bst/Graph/Module.h"
#include "bst/Graph/StateMap.h"
#include "bst/Jit/Jit.h"
#include "bst/State/Hooks.h"
#include "bst/State/State.h"
#include "bst/State/TraceContext.h"
#include "bst/Support/AbstractArray.h"
#include "bst/Support/Array.h"
#include "bst/Support/DType.h"
#include "bst/Support/Error.h"
#include "bst/Support/Shape.h"
#include "bst/Support/Tensor.h"
#include "bst/Support/Tree.h"
#include "bst/Trace/Connectivity.h"
#include "bst/Trace/Environ.h"
#include "bst/Trace/Ops.h"
#include "bst/Transform/Autodiff.h"
#include "bst/Transform/ControlFlow.h"
#include "bst/Transform/Optimizers.h"
#include "bst/Transform/Surrogate.h"
#include "bst/Transform/ErrorIf.h"
#include "bst/Transform/Random.h"
#include "bst/Transform/Vmap.h"

#endif // BST_BST_H
