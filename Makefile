# Top-level Makefile for libmpic, mpic and perspectived.
#
#   make                 build everything into build/
#   make check           install missing packages, build, run every test suite
#   make demo            start the lab and show corroborations (see README.md)
#   make install         install into $(DESTDIR)$(PREFIX)
#   make fuzz            long fuzzing runs (FUZZ_SECONDS per harness)
#   make clean
#
# Variables: BUILD (output folder), SAN=1 (ASan + UBSan build), V=1 (verbose).

BUILD    ?= build
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
SBINDIR  ?= $(PREFIX)/sbin
LIBDIR   ?= $(PREFIX)/lib
SYSCONFDIR ?= /etc
DESTDIR  ?=

VERSION  := 0.1.0

CC       ?= cc
PKGS     := libevent libevent_openssl evhtp openssl libunbound ldns libcurl \
            yajl libidn2 libsystemd libpcre2-8

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wformat-security -Wpointer-arith -Wcast-qual \
            -Wvla -Wundef -Wnull-dereference -Werror=implicit-function-declaration
ifeq ($(SAN),1)
OPT      := -O1
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
else
OPT      ?= -O2
SANFLAGS := -D_FORTIFY_SOURCE=2
endif
CFLAGS   ?=
CPPFLAGS += -D_GNU_SOURCE -DMPIC_VERSION=\"$(VERSION)\" -Ishared -Iperspectived -Iplugin/include
ALL_CFLAGS := -std=c17 $(OPT) -g $(WARN) -fPIC -fstack-protector-strong \
              $(SANFLAGS) $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(CFLAGS)
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -levent_openssl -lpthread -lm

ifeq ($(SAN),1)
LDFLAGS  += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

SHARED_SRC := $(sort $(wildcard shared/*.c))
PD_SRC     := $(sort $(wildcard perspectived/*.c))
UNIT_SRC   := $(sort $(wildcard tests/unit/*.c))
INTEG_SRC  := $(sort $(wildcard tests/integration/*.c))
TOOL_SRC   := $(sort $(wildcard tests/tools/*.c))

SHARED_OBJ := $(SHARED_SRC:%.c=$(BUILD)/obj/%.o)
PD_OBJ     := $(PD_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_OBJ   := $(UNIT_SRC:%.c=$(BUILD)/obj/%.o)
INTEG_OBJ  := $(INTEG_SRC:%.c=$(BUILD)/obj/%.o)
TOOL_BIN   := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

# perspectived's objects other than main, so tests can link its modules.
PD_LIB_OBJ := $(filter-out $(BUILD)/obj/perspectived/main.o,$(PD_OBJ))

.PHONY: all check demo install clean fuzz bench deps tests lab-up lab-down checksrc
.DEFAULT_GOAL := all

all: $(BUILD)/perspectived

tests: $(BUILD)/tests/unit $(BUILD)/tests/integration $(TOOL_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libshared.a: $(SHARED_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/libperspectived.a: $(PD_LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/perspectived: $(BUILD)/obj/perspectived/main.o $(BUILD)/libperspectived.a $(BUILD)/libshared.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/unit: $(UNIT_OBJ) $(BUILD)/libperspectived.a $(BUILD)/libshared.a
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcriterion

$(BUILD)/tests/integration: $(INTEG_OBJ) $(BUILD)/libperspectived.a $(BUILD)/libshared.a
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcriterion

$(BUILD)/tools/%: tests/tools/%.c $(BUILD)/libshared.a
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# --- fuzzing (clang + libFuzzer) -------------------------------------------

FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN   := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_CFLAGS := -std=c17 -O1 -g -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=undefined $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_SECONDS ?= 600

$(BUILD)/fuzz/%: tests/fuzz/%.c $(SHARED_SRC) $(PD_SRC) $(wildcard shared/*.h perspectived/*.h)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)clang $(CPPFLAGS) -DFUZZING $(FUZZ_CFLAGS) -o $@ $< $(SHARED_SRC) \
		$(filter-out perspectived/main.c,$(PD_SRC)) $(LDLIBS)

fuzz-bin: $(FUZZ_BIN)

fuzz: deps $(FUZZ_BIN)
	FUZZ_JOBS=$${FUZZ_JOBS:-$$(nproc)} tests/fuzz/run $(BUILD)/fuzz $(FUZZ_SECONDS)

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(TOOL_BIN)
	tests/bench

# --- the two README commands -------------------------------------------------

deps:
	tools/install-deps

check: deps
	$(Q)$(MAKE) --no-print-directory all tests
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SAN=1 all tests
	$(Q)$(MAKE) --no-print-directory fuzz-bin
	tests/run-checks

demo: deps
	$(Q)$(MAKE) --no-print-directory all $(TOOL_BIN)
	tests/demo

checksrc:
	tools/checksrc

lab-up: all
	tests/lab/up

lab-down:
	tests/lab/down

# --- install -------------------------------------------------------------------

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR)/perspectived/conf.d
	install -m 0755 $(BUILD)/perspectived $(DESTDIR)$(SBINDIR)/perspectived
	install -m 0644 perspectived/perspectived.conf.example \
		$(DESTDIR)$(SYSCONFDIR)/perspectived/perspectived.conf.example

clean:
	rm -rf build

-include $(SHARED_OBJ:.o=.d) $(PD_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(INTEG_OBJ:.o=.d)
