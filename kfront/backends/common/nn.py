"""Constants and host-side helpers shared by every backend's ``nn`` ops."""
from __future__ import annotations

MASKED_LOGIT = -0.7 * 3.38953e38  # Keras's value for masked attention logits (float32 and up)

import numpy

_PAD = -1


def ctc_greedy_decode(inputs, lengths, merge_repeated: bool, mask_index: int):
    """Best path of each sequence of ``inputs`` (B, T, C): (decoded (1, B, T) int32 padded with
    -1, scores (B, 1) = minus the sum of each step's largest input), as Keras."""
    batch, steps, _ = inputs.shape
    indices = inputs.argmax(-1)
    scores = inputs.max(-1)
    beyond = numpy.arange(steps)[None, :] >= lengths[:, None]
    indices = numpy.where(beyond, mask_index, indices)
    scores = numpy.where(beyond, 0, scores)
    if merge_repeated:
        repeat = numpy.pad(indices[:, 1:] == indices[:, :-1], ((0, 0), (1, 0)))
        indices = numpy.where(repeat, mask_index, indices)
    blank = indices == mask_index
    indices = numpy.where(blank, _PAD, indices)
    order = numpy.argsort(numpy.where(blank, steps, numpy.arange(steps)[None, :]), axis=-1,
                          kind="stable")
    decoded = numpy.take_along_axis(indices, order, axis=-1)[None].astype("int32")
    return decoded, -scores.sum(axis=1, keepdims=True)


def _log_softmax(x):
    z = x - x.max(-1, keepdims=True)
    return z - numpy.log(numpy.exp(z).sum(-1, keepdims=True))


def _merge(inverse, scores, count):
    """log-sum-exp of ``scores`` grouped by ``inverse`` into ``count`` groups."""
    top = scores.max()
    top = 0.0 if not numpy.isfinite(top) else top
    total = numpy.zeros(count, scores.dtype)
    numpy.add.at(total, inverse, numpy.exp(scores - top))
    with numpy.errstate(divide="ignore"):
        return numpy.log(total) + top


def ctc_beam_search_decode(inputs, lengths, beam_width: int, top_paths: int, mask_index: int):
    """Prefix beam search of each sequence of ``inputs`` (B, T, C) (logits): (decoded
    (top_paths, B, T) int32 padded with -1, scores (B, top_paths) log-probabilities), Keras's
    JAX algorithm (ties as TensorFlow's decoder) on the host."""
    batch, steps, classes = inputs.shape
    # classes flipped so that stable sorts break ties as TensorFlow does (as Keras on JAX)
    logp = numpy.flip(_log_softmax(inputs), axis=2)
    blank = classes - mask_index - 1
    decoded = numpy.full((top_paths, batch, steps), _PAD, "int32")
    scores_out = numpy.full((batch, top_paths), -numpy.inf, inputs.dtype)
    for b in range(batch):
        n0 = min(classes, beam_width)
        first = numpy.argsort(logp[b, 0], kind="stable")[-n0:]
        paths = numpy.full((n0, steps), _PAD, numpy.int64)
        paths[:, 0] = numpy.where(first == blank, _PAD, first)
        scores = logp[b, 0, first]
        masked = paths[:, 0] == _PAD
        for t in range(1, int(lengths[b])):
            # extend every path by every class
            k = len(paths)
            paths = numpy.repeat(paths, classes, axis=0)
            scores = numpy.repeat(scores, classes) + numpy.tile(logp[b, t], k)
            prev_masked = numpy.repeat(masked, classes)
            tail_at = numpy.argmax(paths == _PAD, axis=1)
            rows = numpy.arange(len(paths))
            tails = numpy.where(tail_at == 0, _PAD, paths[rows, tail_at - 1])
            cls = numpy.tile(numpy.where(numpy.arange(classes) == blank, _PAD,
                                         numpy.arange(classes)), k)
            masked = cls == _PAD
            cls = numpy.where(~prev_masked & (tails == cls), _PAD, cls)
            paths[rows, tail_at] = cls
            # merge equal prefixes (ending in a blank or not), keep the best beam_width
            paths, inverse = numpy.unique(paths, axis=0, return_inverse=True)
            inverse = inverse.reshape(-1)
            emit = _merge(inverse, numpy.where(masked, -numpy.inf, scores), len(paths))
            mask = _merge(inverse, numpy.where(masked, scores, -numpy.inf), len(paths))
            best = numpy.argsort(numpy.logaddexp(emit, mask), kind="stable")[-beam_width:]
            paths = numpy.concatenate([paths[best], paths[best]])
            scores = numpy.concatenate([emit[best], mask[best]])
            masked = numpy.repeat([False, True], len(best))
        paths, inverse = numpy.unique(paths, axis=0, return_inverse=True)
        total = _merge(inverse.reshape(-1), scores, len(paths))
        best = numpy.argsort(total, kind="stable")[-top_paths:][::-1]
        found = numpy.where(paths[best] == _PAD, _PAD, classes - paths[best] - 1)
        decoded[:len(best), b] = found
        scores_out[b, :len(best)] = total[best]
    return decoded, scores_out
