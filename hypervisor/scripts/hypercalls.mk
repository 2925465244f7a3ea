# The headers generated from include/hv/hypercall-defs, for the hypervisor
# and the host builds alike (each includes this with its own GEN folder).
# Objects get them order-only; after the first build -MMD tracks them.
HC_DEFS := include/hv/hypercall-defs
HC_GEN_AWK := scripts/gen-hypercalls.awk
HC_GEN_HDRS := $(GEN)/hv/hypercall-protos.h $(GEN)/hypercall-table.h

$(GEN)/hv/hypercall-protos.h: $(HC_DEFS) $(HC_GEN_AWK)
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@awk -v mode=protos -f $(HC_GEN_AWK) $(HC_DEFS) > $@.tmp && mv $@.tmp $@

$(GEN)/hypercall-table.h: $(HC_DEFS) $(HC_GEN_AWK)
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@awk -v mode=table -f $(HC_GEN_AWK) $(HC_DEFS) > $@.tmp && mv $@.tmp $@
