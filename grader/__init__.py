"""Grade a class's lab notebooks offline: ``python -m grader LAB SUBMISSIONS... [--out DIR]``.

For each submitted notebook (a file, or every ``.ipynb`` under a folder) the grader

1. copies it into a fresh temporary folder and works on the copy: a submission is never written to;
2. turns away what is not a notebook, and a notebook for another lab (its metadata
   ``deep_learning_lab.lab``, else a ``# Lab NN`` title);
3. runs it top to bottom in a fresh Jupyter kernel, a child process with a time limit for the
   whole submission, an address-space limit (``RLIMIT_AS``) and a watchdog on the memory of the
   kernel and its children; what the notebook prints is capped (``grader.runner``);
4. runs the lab's checks (``helpers.checks``) in the grader's own process, which never executes
   the submission's code. When a check calls a learner's function, the call runs in the kernel
   and only plain data comes back (numbers, strings, NumPy arrays, lists, dicts, or a handle to
   an object that stays in the kernel), decoded without pickle (``grader.remote``, with one
   codec on both sides, ``grader.codec``; the kernel's side is ``grader.kernel_side``). A
   submission that redefines the check functions or patches ``helpers``, NumPy or anything else
   in its kernel changes nothing in the grader; to pass, its functions must return the right values.
5. writes ``grades.csv`` (one row per submission, one column per check, a total; rewritten
   atomically after every submission, so an interrupted run leaves the rows done so far) and one
   feedback file per submission under ``feedback/`` (``grader.report``; the batch is ``grader.batch``).

The grader runs students' code as the user who starts it: it is not a sandbox. See
docs/instructors-grading.md for what it isolates and what it does not. What it needs comes with
``pip install -e ".[grader]"``; learners' install leaves those dependencies out, and ``helpers`` holds no grader code.
"""
